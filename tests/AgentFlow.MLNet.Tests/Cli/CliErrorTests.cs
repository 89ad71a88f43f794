using System.Text;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;
using AgentFlow.MLNet.Tests.Smoke;

namespace AgentFlow.MLNet.Tests.Cli;

/// <summary>
/// What the real program does with bad flags, paths and input: exactly one <c>agentflow: ...</c> line on standard
/// error, nothing on standard output, exit code 2 for a wrong command line and 1 for work that failed.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class CliErrorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public CliErrorTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    private string MissingPath => Path.Combine(_temp.Path, "missing");

    // The model path does not exist, so a flag reported here was checked before any file was looked at.
    [Theory]
    [InlineData("--max-tokens -5", "--max-tokens must be a positive whole number, got -5")]
    [InlineData("--max-tokens 1.5", "--max-tokens must be a positive whole number, got '1.5'")]
    [InlineData("--top-p 1.5", "--top-p must be a number in (0, 1], got 1.5")]
    [InlineData("--temperature abc", "--temperature must be 0 (greedy) or a positive number, got 'abc'")]
    [InlineData("--threads -1", "--threads must be a positive whole number, got -1")]
    [InlineData("--threads 0", "--threads must be a positive whole number, got 0")]
    [InlineData("--dtype fp8", "--dtype must be float32, bfloat16 or float16, got 'fp8'")]
    public void ABadFlagValueIsOneUsageLineNamingTheFlagBeforeAnythingIsLoaded(string flags, string expected)
    {
        var result = AgentflowProcess.Run($"generate --model \"{MissingPath}\" {flags}");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal($"agentflow: {expected} (see 'agentflow generate --help'){Environment.NewLine}", result.Error);
    }

    [Fact]
    public void AnUnknownFlagIsOneLineOnStandardErrorNotTheHelpOnStandardOutput()
    {
        var result = AgentflowProcess.Run($"generate --model \"{MissingPath}\" --temprature 1");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Single(result.Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("agentflow: Unrecognized command or argument '--temprature'", result.Error);
    }

    [Fact]
    public void HelpAskedForStillGoesToStandardOutput()
    {
        var result = AgentflowProcess.Run("generate --help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--max-tokens", result.Output);
        Assert.Empty(result.Error);
    }

    [Theory]
    [InlineData("generate --model", "--model")]
    [InlineData("tokenize --tokenizer", "--tokenizer")]
    public void AMissingPathIsNamedWithItsFlag(string verbAndFlag, string flag)
    {
        var result = AgentflowProcess.Run($"{verbAndFlag} \"{MissingPath}\"", "");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal($"agentflow: {flag} {MissingPath}: no such file or folder{Environment.NewLine}", result.Error);
    }

    [Fact]
    public void MaxTokensBeyondTheContextWarnsOnceAndGeneratesWhatFits()
    {
        string path = Path.Combine(_temp.Path, "tiny.gguf");
        using var model = TinyLocalModels.SaveGguf(path);
        using var local = LocalModel.Load(path);
        var prompt = local.EncodePrompt("abc");
        int room = model.Config.MaxPositionEmbeddings - prompt.Count;
        var expected = new GenerationEngine(local.Model).Generate([prompt], new SamplingOptions { MaxNewTokens = room, StopTokenIds = local.StopTokenIds }).Single();

        var result = AgentflowProcess.Run($"generate --model \"{path}\" --prompt abc --max-tokens 500");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(local.Tokenizer.Decode(expected.CompletionIds, skipSpecialTokens: true) + Environment.NewLine, result.Output);
        var warning = Assert.Single(result.Error.Split(Environment.NewLine), line => line.StartsWith("agentflow: ", StringComparison.Ordinal));
        Assert.Equal($"agentflow: warning: --max-tokens 500 is more than the {room} tokens the {prompt.Count}-token prompt leaves " +
            $"in the model's {model.Config.MaxPositionEmbeddings}-token context; generating at most {room}", warning);
    }

    [Fact]
    public void APromptThatFillsTheContextIsOneErrorLine()
    {
        string path = Path.Combine(_temp.Path, "tiny.gguf");
        using var model = TinyLocalModels.SaveGguf(path);
        // The byte vocabulary has no merges: one token per byte.
        string prompt = new('x', model.Config.MaxPositionEmbeddings);

        var result = AgentflowProcess.Run($"generate --model \"{path}\" --prompt {prompt}");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.EndsWith($"agentflow: --prompt is {prompt.Length} tokens, which leaves no room in the model's {prompt.Length}-token context{Environment.NewLine}", result.Error);
        Assert.Single(result.Error.Split(Environment.NewLine), line => line.StartsWith("agentflow: ", StringComparison.Ordinal));
    }

    // Inputs are written as Latin-1 strings so each character is exactly one byte of standard input.
    [Theory]
    [InlineData("hello \u00FF world", 6, 0xFF)]        // a byte that never occurs in UTF-8
    [InlineData("ab\u00C3", 2, 0xC3)]                  // a two-byte sequence cut off at the end
    [InlineData("\u00C0\u00AF", 0, 0xC0)]              // an overlong encoding of '/'
    [InlineData("x\u00ED\u00A0\u0080", 1, 0xED)]      // an encoded UTF-16 surrogate
    public void InvalidUtf8OnStandardInputIsAnErrorNamingTheByteOffset(string latin1, int offset, int value)
    {
        string path = Path.Combine(_temp.Path, "tiny.gguf");
        using var model = TinyLocalModels.SaveGguf(path);

        var result = AgentflowProcess.Run($"tokenize --tokenizer \"{path}\"", Encoding.Latin1.GetBytes(latin1));

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal($"agentflow: standard input is not valid UTF-8: invalid byte sequence at byte offset {offset} (0x{value:X2}){Environment.NewLine}", result.Error);
    }

    [Fact]
    public void ValidUtf8WithAByteOrderMarkIsTokenizedByteForByte()
    {
        string path = Path.Combine(_temp.Path, "tiny.gguf");
        using var model = TinyLocalModels.SaveGguf(path);
        byte[] input = Encoding.UTF8.GetBytes("\uFEFFé€😀\n");

        var result = AgentflowProcess.Run($"tokenize --tokenizer \"{path}\"", input);

        // The byte vocabulary gives byte b the id b and has no merges, so the ids are the input's bytes.
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Join(' ', input), result.Output.Trim());
    }
}
