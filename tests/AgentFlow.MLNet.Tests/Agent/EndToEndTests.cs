using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Models.Tokenization;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Agent;

/// <summary>The whole loop on real (tiny, untrained) TorchSharp models behind every module, through the local IChatClient.</summary>
[Collection(TorchCollection.Name)]
public sealed class EndToEndTests
{
    public EndToEndTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    [Fact]
    public async Task TheLoopRunsOnLocalModelsAndKeepsThePlannersTokens()
    {
        var tokenizer = ModelTokenizer.FromGguf(TinyLocalModels.ByteVocabulary());
        var config = TinyLocalModels.Config() with { MaxPositionEmbeddings = 4096 };
        using var plannerModel = new LocalModel(TinyModels.Create(config, seed: 1), tokenizer, ChatTemplate.For(ChatTemplateKind.ChatML));
        using var frozenModel = new LocalModel(TinyModels.Create(config, seed: 2), tokenizer, ChatTemplate.For(ChatTemplateKind.ChatML));
        var sampling = new SamplingOptions { MaxNewTokens = 24 };
        using var planner = new LocalChatClient(plannerModel, new LocalChatClientOptions { Sampling = sampling });
        using var frozen = new LocalChatClient(frozenModel, new LocalChatClientOptions { Sampling = sampling });
        var tools = new ToolRegistry([ScriptedTool.Answering("search", "nothing found")]);
        var agent = new AgentFlowAgent(AgentModules.WithPlanner(planner, frozen), tools,
            AgentOptions.Training with { MemoryTokenBudget = 256, MaxResultTokens = 64 });

        var trajectory = await agent.SolveAsync("What is 2 + 2?");

        // An untrained model writes noise: every turn is a recorded, survivable failure, and the run completes.
        Assert.Equal(StopReason.MaxTurns, trajectory.StopReason);
        Assert.Equal(3, trajectory.Turns.Count);
        Assert.All(trajectory.Turns, turn =>
        {
            var sequence = turn.Planner.Sequence!;
            Assert.NotEmpty(sequence.CompletionIds);
            Assert.Equal(sequence.CompletionIds.Count, sequence.LogProbs.Count);
            Assert.Equal(tokenizer.Decode(sequence.CompletionIds, skipSpecialTokens: true), turn.Planner.Output);
            Assert.Equal(sequence.PromptIds.Count, turn.Planner.PromptTokens);
        });
        Assert.NotNull(trajectory.Generator);
        Assert.Contains("\"completion_ids\"", trajectory.ToJson(includeTokens: true));
    }
}
