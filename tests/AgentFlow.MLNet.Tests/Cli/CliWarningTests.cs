using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;
using AgentFlow.MLNet.Tests.Models.Gguf;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary>What loading tolerated reaches the user of the command line, on standard error, without stopping it.</summary>
[Collection(TorchCollection.Name)]
public sealed class CliWarningTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public CliWarningTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void GenerateOnAGgufWithoutAPaddingTokenWarnsOnStandardErrorAndGenerates()
    {
        string clean = _temp.File("clean.gguf");
        TinyLocalModels.SaveGguf(clean).Dispose();
        string path = GgufRewrite.WithEntry(clean, _temp.File("no-pad.gguf"), "tokenizer.ggml.padding_token_id", 0xFFFFFFFFu);

        var result = AgentflowProcess.Run($"generate --model \"{path}\" --prompt abc --max-tokens 5");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"agentflow: warning: '{path}': tokenizer.ggml.padding_token_id is 4294967295", result.Error);
        Assert.DoesNotContain("warning", result.Output);
        Assert.Contains("5 generated", result.Error);
    }
}
