using System.Text;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Models.Tokenization;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.MLNet;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using CsCheck;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// Properties over generated hostile text (CsCheck, seeded so a run repeats): control characters, surrogates paired and
/// lone, right-to-left and CJK letters, joiners, bidi controls, special-token text. The tokenizers give back exactly
/// what they were given, a lone surrogate as U+FFFD; the agent solves any text or refuses it, saying why.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class BadInputPropertyTests
{
    /// <summary>Characters that are each Unicode text, but hostile: controls, RTL and CJK letters, joiners, bidi controls, odd spaces.</summary>
    private static readonly Gen<char> HostileChar = Gen.OneOf(
        Gen.Char['\0', '\u001F'],
        Gen.Char['\u007F', '\u009F'],
        Gen.Char['\u0590', '\u06FF'],
        Gen.Char['\u4E00', '\u9FFF'],
        Gen.Char["\u200B\u200D\u202E\u2066\u2069\uFEFF\u00A0\u3000\u2028 \t\r\n<|>"],
        Gen.Char.AlphaNumeric);

    private static readonly Gen<string> Hostile = Gen.String[HostileChar, 0, 30];

    /// <summary>Hostile text: alone, around one lone surrogate, around a well-formed pair and a special token's text, or surrogates only.</summary>
    private static readonly Gen<string> HostileText = Gen.OneOf(
        Hostile,
        Gen.Select(Hostile, Gen.Char['\uD800', '\uDFFF'], Hostile, (head, lone, tail) => head + lone + tail),
        Gen.Select(Hostile, Gen.Char['\uD800', '\uDBFF'], Gen.Char['\uDC00', '\uDFFF'], Hostile, (head, high, low, tail) => head + high + low + "<|im_end|>" + tail),
        Gen.String[Gen.Char['\uD800', '\uDFFF'], 1, 6]);

    public BadInputPropertyTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    [Fact]
    public void TheByteLevelTokenizerRoundTripsAnyTextALoneSurrogateAsTheReplacementCharacter() =>
        RoundTrips(TinyModel.Tokenizer(), text => text);

    [Fact]
    public void TheQwenTokenizerRoundTripsAnyTextToItsNfcFormALoneSurrogateAsTheReplacementCharacter() =>
        RoundTrips(ModelTokenizer.Load(TestData.Qwen3TokenizerFolder), text => text.Normalize(NormalizationForm.FormC));

    [Fact]
    public void TheAgentSolvesAnyTextAsWrittenOrRefusesItSayingWhy()
    {
        using var model = TinyModel.Create(AgentFlowTestModels.Tiny);
        using var host = new ModelHost(model);
        var greedy = new ChatOptions { Temperature = 0, MaxOutputTokens = 2 };
        var agent = new AgentFlowAgent(
            AgentModules.WithPlanner(host.AsChatClient(), host.AsChatClient(new LocalChatClientOptions { UseAdapters = false })),
            new ToolRegistry([new CalculatorTool()]),
            new AgentOptions { MaxTurns = 1, PlannerChatOptions = greedy, FrozenChatOptions = greedy },
            AgentFlowTestModels.Prompts);
        int solved = 0;

        HostileText.ForAll(text =>
        {
            if (Problem(text) is { } problem)
            {
                var error = Assert.Throws<ArgumentException>(() => agent.SolveAsync(text, seed: 1).GetAwaiter().GetResult());
                Assert.StartsWith($"The question {problem}", error.Message);
                return;
            }
            var trajectory = agent.SolveAsync(text, seed: 1).GetAwaiter().GetResult();
            Assert.False(trajectory.IsInfrastructureFailure, trajectory.Failure);
            Assert.Equal(text, trajectory.Question);
            Assert.Equal(text, Trajectory.FromJson(trajectory.ToJson(includeTokens: true)).Question);
            Assert.Contains(text, model.Tokenizer.Decode(trajectory.Turns[0].Planner.Sequence!.PromptIds), StringComparison.Ordinal);
            solved++;
        }, count: 40);

        Assert.True(solved > 10, $"only {solved} of 40 generated questions were solvable; the generator should mix both kinds");
    }

    private static void RoundTrips(ModelTokenizer tokenizer, Func<string, string> canonical) =>
        HostileText.ForAll(text =>
        {
            // A lone surrogate comes back as U+FFFD, as .NET's UTF-8 encoder writes it; everything else exactly.
            string unicode = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
            Assert.Equal(canonical(unicode), tokenizer.Decode(tokenizer.Encode(text)));
        }, count: 3000);

    /// <summary>Why the agent must refuse <paramref name="text"/>, as its message words it; null when it must solve it.</summary>
    private static string? Problem(string text) =>
        text.Length == 0 ? "is empty"
        : string.IsNullOrWhiteSpace(text) ? "is only white space"
        : FirstLoneSurrogate(text) is int index ? $"holds a lone UTF-16 surrogate (U+{(int)text[index]:X4}) at index {index}"
        : null;

    /// <summary>The first unpaired surrogate, found by .NET's strict UTF-8 encoder (the oracle, independent of the code under test).</summary>
    private static int? FirstLoneSurrogate(string text)
    {
        try
        {
            new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetByteCount(text);
            return null;
        }
        catch (EncoderFallbackException e)
        {
            return e.Index;
        }
    }
}
