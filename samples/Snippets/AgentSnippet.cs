#region README
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Tools.Functions;
using AgentFlow.MLNet.Tools.Generation;
using AgentFlow.MLNet.Tools.Python;
using AgentFlow.MLNet.Tools.Search;
using Microsoft.Extensions.AI;
#endregion

namespace Snippets;

/// <summary>README, the AgentFlow runtime.</summary>
internal static class AgentSnippet
{
    /// <summary>Builds the tools and the agent over the tiny model and solves one question.</summary>
    public static async Task RunAsync()
    {
        #region README
        File.WriteAllLines("corpus.jsonl", [   // one JSON object a line; see "Search corpora" below
            """{"id": "d1", "title": "Game of 24", "text": "Combine four numbers with + - * / so that the result is 24."}""",
            """{"id": "d2", "title": "Citibank", "text": "Citibank was founded in 1812 as the City Bank of New York."}""",
        ]);
        using var model = TinyModel.Create();                  // the model Flow-GRPO trains, or LocalModel.Load(path)
        using var host = new ModelHost(model);                 // one owner: all modules' calls are batched together
        using var plannerClient = host.AsChatClient();         // the planner: the base plus its LoRA adapters, once attached
        using IChatClient frozenClient = host.AsChatClient(new LocalChatClientOptions { UseAdapters = false }); // or any IChatClient

        using var index = LuceneSearchIndex.Build(SearchCorpus.ReadJsonl("corpus.jsonl"), indexFolder: "corpus-index");
        var tools = new ToolRegistry([
            new CalculatorTool(),
            new PythonTool(),                                  // sandboxed child process, see below
            SearchTool.Local(index),                           // BM25 over your own documents
            new BaseGeneratorTool(frozenClient),               // a direct LLM answer
            new AIFunctionTool(AIFunctionFactory.Create((string city) => $"Sunny in {city}", "weather")),
        ]);
        var agent = new AgentFlowAgent(AgentModules.WithPlanner(plannerClient, frozenClient), tools);
        var trajectory = await agent.SolveAsync("Using the numbers [1, 1, 1, 8], make 24.", seed: 1);  // seeded: reproducible
        Console.WriteLine(trajectory.IsInfrastructureFailure    // a module's client failed: say so, never a silent empty answer
            ? $"failed: {trajectory.Failure}"
            : $"answer: {trajectory.FinalAnswer}");            // an untrained tiny model answers nothing useful
        File.WriteAllText("trajectory.json", trajectory.ToJson());
        #endregion
    }
}
