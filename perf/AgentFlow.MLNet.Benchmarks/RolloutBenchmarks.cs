using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Models.Tokenization;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using TorchSharp;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// One rollout of Flow-GRPO: B questions × G trajectories of the real agent loop (query analysis, planner, executor,
/// tool, verifier, generator; 3 turns at most, the training settings) run concurrently on one tiny byte-level model
/// behind every module, through the local chat client. Reports the wall time of the B × G trajectories.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class RolloutBenchmarks
{
    private LocalModel _model = null!;
    private LocalChatClient _client = null!;
    private AgentFlowAgent _agent = null!;

    /// <summary>Questions per step (B).</summary>
    [Params(4)]
    public int Questions { get; set; }

    /// <summary>Trajectories per question (G).</summary>
    [Params(4)]
    public int Group { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var network = BenchmarkModels.Create("1M");
        var config = network.Config;
        network.Dispose();
        var byteConfig = config with { VocabSize = 259, EosTokenIds = [258], MaxPositionEmbeddings = 8192 };
        var model = new CausalLM(byteConfig);
        model.InitializeWeights(new torch.Generator(1));
        _model = new LocalModel(model, ModelTokenizer.FromGguf(ByteVocabulary()), ChatTemplate.For(ChatTemplateKind.ChatML));
        _client = new LocalChatClient(_model, new LocalChatClientOptions { Sampling = new SamplingOptions { MaxNewTokens = 24 } });
        _agent = new AgentFlowAgent(AgentModules.Shared(_client), new ToolRegistry([new CalculatorTool()]),
            AgentOptions.Training with { MemoryTokenBudget = 256, MaxResultTokens = 64 });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _model.Dispose();
    }

    [Benchmark]
    public int Rollout()
    {
        var runs = Enumerable.Range(0, Questions * Group)
            .Select(i => _agent.SolveAsync($"What is {17 + i / Group} * 23?"))
            .ToArray();
        Task.WaitAll(runs);
        return runs.Sum(r => r.Result.Turns.Count);
    }

    /// <summary>GPT-2's byte-level alphabet (every byte as one printable character) plus ChatML's special tokens.</summary>
    private static GgufVocabulary ByteVocabulary()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToHashSet();
        var symbols = new string[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
            symbols[b] = ((char)(printable.Contains(b) ? b : next++)).ToString();
        return new GgufVocabulary(
            Model: "gpt2", PreTokenizer: "qwen2",
            Tokens: [.. symbols, "<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            Scores: null, TokenTypes: [.. Enumerable.Range(0, 259).Select(i => i < 256 ? 1 : 3)], Merges: [],
            BosTokenId: null, EosTokenId: 258, UnknownTokenId: null, PaddingTokenId: 256, AddBosToken: false, AddEosToken: false,
            ChatTemplate: null);
    }
}
