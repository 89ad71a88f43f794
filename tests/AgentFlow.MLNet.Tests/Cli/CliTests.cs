using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;
using AgentFlow.MLNet.Tests.Native;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Cli;

[Collection(TorchCollection.Name)]
public sealed class CliTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public CliTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    private static string Qwen3Tokenizer => TestData.Qwen3TokenizerFolder;

    [Fact]
    public void TokenizePrintsTheIdsOfStandardInputExactly()
    {
        var result = AgentflowProcess.Run($"tokenize --tokenizer \"{Qwen3Tokenizer}\"", "<|im_start|>hello<|im_end|>");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("151644 14990 151645", result.Output.Trim());
    }

    [Fact]
    public void TokenizeKeepsATrailingNewline()
    {
        var withNewline = AgentflowProcess.Run($"tokenize --tokenizer \"{Path.Combine(Qwen3Tokenizer, "tokenizer.json")}\"", "Hello world\n");

        Assert.Equal("9707 1879 198", withNewline.Output.Trim());
    }

    [Fact]
    public void GeneratePrintsOnlyTheGeneratedTextWhichIsTheGreedyContinuation()
    {
        string path = Path.Combine(_temp.Path, "tiny.gguf");
        using var model = TinyLocalModels.SaveGguf(path);
        using var local = LocalModel.Load(path);
        var expected = new GenerationEngine(local.Model).Generate([local.EncodePrompt("abc")], new SamplingOptions { MaxNewTokens = 12, StopTokenIds = local.StopTokenIds }).Single();

        var result = AgentflowProcess.Run($"generate --model \"{path}\" --prompt abc --max-tokens 12 --temperature 0");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(local.Tokenizer.Decode(expected.CompletionIds, skipSpecialTokens: true) + Environment.NewLine, result.Output);
        Assert.Contains("tokens/s", result.Error);
        Assert.DoesNotContain("warning", result.Error);
    }
}
