using System.CommandLine;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Backends;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Tools.Generation;
using AgentFlow.MLNet.Tools.Python;
using AgentFlow.MLNet.Tools.Search;
using Microsoft.Extensions.AI;

namespace AgentFlow.Cli.Agents;

/// <summary>The flags <c>ask</c> and <c>eval</c> share: the local model (the planner), the module backends, tools and loop limits.</summary>
internal sealed class AgentArguments
{
    internal ModelArguments Model { get; } = new();

    internal ModuleBackendArguments Backends { get; } = new();

    internal Option<string> Index { get; } = new("--index") { Description = "A Lucene index folder (from 'agentflow index') for the search tool; default no search tool." };

    internal Option<int> MaxTurns { get; } = CliOptions.Number("--max-turns", "Most planner turns per question.", "a positive whole number", (int n) => n > 0, defaultValue: 10);

    internal Option<int> MaxTokens { get; } = CliOptions.Number("--max-tokens", "Most tokens each module call may generate.", "a positive whole number", (int n) => n > 0, defaultValue: 512);

    internal Option<ulong> Seed { get; } = CliOptions.Number("--seed", "Run seed: every module call's sampling seed derives from it.", "a whole number from 0 to 2^64-1", (ulong _) => true, defaultValue: 0UL);

    internal void AddTo(Command command)
    {
        foreach (var option in Model.All)
            command.Options.Add(option);
        command.Options.Add(Index);
        command.Options.Add(MaxTurns);
        command.Options.Add(MaxTokens);
        command.Options.Add(Seed);
        Backends.AddTo(command);
    }

    /// <summary>Loads the model, connects the backends, opens the tools and builds the agent.</summary>
    internal AgentSession Open(ParseResult result)
    {
        var backends = Backends.Build(result);
        // Before the model loads, so a key variable that is not set fails at once.
        foreach (var endpoint in backends.Overrides.Values.Append(backends.Frozen).OfType<ChatEndpointOptions>())
            _ = endpoint.ReadApiKey();
        string? indexFolder = result.GetValue(Index) is { } folder ? InputPaths.RequireExisting("--index", folder) : null;
        return new AgentSession(Model.Load(result), backends, indexFolder, new AgentOptions
        {
            MaxTurns = result.GetValue(MaxTurns),
            PlannerChatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = result.GetValue(MaxTokens) },
            FrozenChatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = result.GetValue(MaxTokens) },
        });
    }
}

/// <summary>A loaded model on its host, the module clients, the tools and the agent; disposes them in order.</summary>
internal sealed class AgentSession : IDisposable
{
    private readonly LocalModel _model;
    private readonly ModelHost _host;
    private readonly LocalChatClient _planner;
    private readonly LocalChatClient _frozen;
    private readonly ModuleClients _clients;
    private readonly LuceneSearchIndex? _index;

    internal AgentSession(LocalModel model, ModuleBackendOptions backends, string? indexFolder, AgentOptions options)
    {
        _model = model;
        _host = new ModelHost(model);
        _planner = _host.AsChatClient();
        _frozen = _host.AsChatClient(new LocalChatClientOptions { UseAdapters = false });
        _clients = ModuleClients.Create(backends, _planner, _frozen);
        _index = indexFolder is null ? null : LuceneSearchIndex.Open(indexFolder);
        List<ITool> tools = [new CalculatorTool(), new PythonTool(), new BaseGeneratorTool(_clients.BaseGenerator, new ChatOptions { Temperature = 0, MaxOutputTokens = options.FrozenChatOptions.MaxOutputTokens })];
        if (_index is not null)
            tools.Add(SearchTool.Local(_index));
        Agent = new AgentFlowAgent(_clients.Modules, new ToolRegistry(tools), options);
    }

    internal AgentFlowAgent Agent { get; }

    /// <summary>The judge module's client: the local frozen model, or its endpoint (<c>--module-endpoint judge=URL</c>).</summary>
    internal IChatClient Judge => _clients.Judge;

    public void Dispose()
    {
        _index?.Dispose();
        _clients.Dispose();
        _frozen.Dispose();
        _planner.Dispose();
        _host.Dispose();
        _model.Dispose();
    }
}
