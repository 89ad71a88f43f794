using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Models.Tokenization;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tools;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Agent;

/// <summary>
/// Rollouts as the trainer runs them: one model in one host, the planner with its adapters and the frozen modules
/// without, many seeded trajectories at once.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class SharedModelRolloutTests : IDisposable
{
    private readonly LocalModel _model;
    private readonly ModelHost _host;
    private readonly AgentFlowAgent _agent;

    public SharedModelRolloutTests()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        var config = TinyLocalModels.Config() with { MaxPositionEmbeddings = 4096 };
        _model = new LocalModel(TinyModels.Create(config, seed: 1), ModelTokenizer.FromGguf(TinyLocalModels.ByteVocabulary()), ChatTemplate.For(ChatTemplateKind.ChatML));
        _model.Model.AttachLora(new LoraOptions { Rank = 4, Seed = 2 });
        using (no_grad())
        {
            foreach (var (_, parameter) in _model.Model.named_parameters().Where(p => p.name.Contains("lora_B")))
                parameter.normal_(0, 0.5);
        }
        _host = new ModelHost(_model);
        var sampling = new SamplingOptions { MaxNewTokens = 16 };
        var planner = _host.AsChatClient(new LocalChatClientOptions { Sampling = sampling, UseAdapters = true });
        var frozen = _host.AsChatClient(new LocalChatClientOptions { Sampling = sampling, UseAdapters = false });
        _agent = new AgentFlowAgent(AgentModules.WithPlanner(planner, frozen), new ToolRegistry([ScriptedTool.Answering("search", "nothing found")]),
            AgentOptions.Training with { MemoryTokenBudget = 128, MaxResultTokens = 32 });
    }

    public void Dispose()
    {
        _host.Dispose();
        _model.Dispose();
    }

    [Fact]
    public async Task ASeededRunReproducesWhateverRunsBesideIt()
    {
        var alone = await _agent.SolveAsync("What is 2 + 2?", seed: 7);
        var crowd = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => _agent.SolveAsync(i == 3 ? "What is 2 + 2?" : $"question {i}", seed: i == 3 ? 7UL : (ulong)i)));
        var otherSeed = await _agent.SolveAsync("What is 2 + 2?", seed: 8);

        Assert.Equal(PlannerTokens(alone), PlannerTokens(crowd[3]));
        Assert.Equal(alone.FinalAnswer, crowd[3].FinalAnswer);
        Assert.NotEqual(PlannerTokens(alone), PlannerTokens(otherSeed));
    }

    [Fact]
    public async Task OnlyThePlannerKeepsItsTokensAndTheyStayOutOfPlainJson()
    {
        var trajectory = await _agent.SolveAsync("What is 2 + 2?", seed: 3);

        Assert.All(trajectory.Turns, turn =>
        {
            var sequence = turn.Planner.Sequence!;
            Assert.NotEmpty(sequence.CompletionIds);
            Assert.Equal(sequence.CompletionIds.Count, sequence.LogProbs.Count);
            Assert.Equal(AgentOptions.Training.PlannerChatOptions.Temperature!.Value, sequence.Sampling!.Temperature, 5);
            Assert.Null(turn.Verifier?.Sequence);
            Assert.Null(turn.Executor?.Sequence);
        });
        Assert.Null(trajectory.QueryAnalysis!.Sequence);
        Assert.Null(trajectory.Generator!.Sequence);
        Assert.DoesNotContain("completion_ids", trajectory.ToJson());
        Assert.Contains("completion_ids", trajectory.ToJson(includeTokens: true));
    }

    [Fact]
    public async Task ThePlannerRunsWithAdaptersAndTheFrozenModulesWithout()
    {
        var trajectory = await _agent.SolveAsync("What is 2 + 2?", seed: 5);
        var planner = trajectory.Turns[0].Planner.Sequence!;

        // Re-decode the planner's prompt with the base weights: a different completion shows the planner had adapters on.
        var withoutAdapters = await _host.GenerateAsync(new GenerationRequest(planner.PromptIds, planner.Sampling!) { UseAdapters = false });
        var withAdapters = await _host.GenerateAsync(new GenerationRequest(planner.PromptIds, planner.Sampling!) { UseAdapters = true });

        Assert.Equal(planner.CompletionIds, withAdapters.CompletionIds);
        Assert.NotEqual(planner.CompletionIds, withoutAdapters.CompletionIds);
    }

    private static string PlannerTokens(AgentFlow.MLNet.Agent.Trajectories.Trajectory trajectory) =>
        string.Join("|", trajectory.Turns.Select(t => string.Join(',', t.Planner.Sequence?.CompletionIds ?? [])));
}
