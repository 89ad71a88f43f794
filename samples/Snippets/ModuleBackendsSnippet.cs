#region README
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Backends;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Tools.Generation;
using Microsoft.Extensions.AI;
#endregion

namespace Snippets;

/// <summary>README, module backends: the frozen modules on an OpenAI-compatible endpoint, the planner local.</summary>
internal static class ModuleBackendsSnippet
{
    /// <summary>Solves one question with the frozen modules on the endpoint given as the first argument.</summary>
    public static async Task RunAsync(string[] args)
    {
        #region README
        var frozen = new ChatEndpointOptions
        {
            Endpoint = new Uri(args.FirstOrDefault() ?? "http://127.0.0.1:8000/v1"),  // vLLM, llama-server, Ollama, `agentflow serve`
            Model = "tiny",                                // the name the server serves
            ApiKeyEnvironmentVariable = null,              // or "OPENAI_API_KEY": the key is read from there, never written here
            Timeout = TimeSpan.FromSeconds(60),            // per attempt; 3 retries back off on 408, 429, 5xx and refused connections
        };
        using var model = TinyModel.Create();
        using var host = new ModelHost(model);
        using var planner = host.AsChatClient();           // the trained planner stays local: training needs its token ids
        using var local = host.AsChatClient(new LocalChatClientOptions { UseAdapters = false });
        using var clients = ModuleClients.Create(new ModuleBackendOptions
        {
            Frozen = frozen,                               // query analysis, executor, verifier, generator, judge, base_generator
            Overrides = new Dictionary<FrozenModule, ChatEndpointOptions> { [FrozenModule.Judge] = frozen with { MaxRetries = 5 } },
        }, planner, local);                                // a module left without an endpoint runs on `local`
        var tools = new ToolRegistry([new CalculatorTool(), new BaseGeneratorTool(clients.BaseGenerator)]);
        var options = new AgentOptions { MaxTurns = 2, FrozenChatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = 128 } };
        var trajectory = await new AgentFlowAgent(clients.Modules, tools, options).SolveAsync("What is 7 * 6?", seed: 1);
        Console.WriteLine(trajectory.IsInfrastructureFailure   // endpoint down, slow, 500 or malformed: recorded, not thrown
            ? $"failed: {trajectory.Failure}"
            : $"answer: {trajectory.FinalAnswer}");
        #endregion
    }
}
