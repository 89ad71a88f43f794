using System.CommandLine;
using System.CommandLine.Parsing;
using AgentFlow.MLNet.Agent.Backends;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// The flags that put frozen modules on OpenAI-compatible endpoints: <c>--frozen-endpoint URL --frozen-model NAME</c>
/// for all of them, <c>--module-endpoint MODULE=URL</c> and <c>--module-model MODULE=NAME</c> per module, and
/// <c>--api-key-env VAR</c> naming the variable that holds the key (a key itself is never a flag: it would show in
/// <c>ps</c>). Checked while parsing, so a wrong URL or module name is a usage error.
/// </summary>
internal sealed class ModuleBackendArguments
{
    private static readonly Dictionary<string, FrozenModule> ModuleNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["query-analysis"] = FrozenModule.QueryAnalysis,
        ["executor"] = FrozenModule.Executor,
        ["verifier"] = FrozenModule.Verifier,
        ["generator"] = FrozenModule.Generator,
        ["judge"] = FrozenModule.Judge,
        ["base-generator"] = FrozenModule.BaseGenerator,
    };

    private static string Modules => string.Join(", ", ModuleNames.Keys);

    internal Option<string> FrozenEndpoint { get; } = new("--frozen-endpoint") { Description = "OpenAI-compatible base URL (with /v1) for every frozen module; default the local model." };

    internal Option<string> FrozenModel { get; } = new("--frozen-model") { Description = "Model name to request from the frozen endpoint." };

    internal Option<string> ApiKeyEnv { get; } = new("--api-key-env") { Description = "Environment variable holding the endpoints' API key; default no key." };

    internal Option<string[]> ModuleEndpoint { get; } = new("--module-endpoint")
    {
        Description = $"MODULE=URL: one module on its own endpoint (repeatable). Modules: {Modules}.",
        AllowMultipleArgumentsPerToken = false,
    };

    internal Option<string[]> ModuleModel { get; } = new("--module-model") { Description = "MODULE=NAME: the model a module's endpoint is asked for (repeatable); default --frozen-model." };

    internal Option<double> Timeout { get; } = CliOptions.Number("--endpoint-timeout", "Seconds one endpoint attempt may take before it is retried.",
        "a positive number of seconds", (double s) => s > 0 && double.IsFinite(s), defaultValue: 120.0);

    internal Option<int> Retries { get; } = CliOptions.Number("--endpoint-retries", "Retries on connection failures, timeouts, 408, 429 and 5xx, with exponential backoff.",
        "a whole number from 0 to 10", (int n) => n is >= 0 and <= 10, defaultValue: 3);

    internal IEnumerable<Option> All => [FrozenEndpoint, FrozenModel, ApiKeyEnv, ModuleEndpoint, ModuleModel, Timeout, Retries];

    /// <summary>Adds the flags and a validator that checks URLs, module names and that every endpoint has a model.</summary>
    internal void AddTo(Command command)
    {
        foreach (var option in All)
            command.Options.Add(option);
        command.Validators.Add(result =>
        {
            try
            {
                Build(result.GetValue(FrozenEndpoint), result.GetValue(FrozenModel), result.GetValue(ApiKeyEnv),
                    result.GetValue(ModuleEndpoint) ?? [], result.GetValue(ModuleModel) ?? [], 1, 0);
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
    }

    internal ModuleBackendOptions Build(ParseResult result) =>
        Build(result.GetValue(FrozenEndpoint), result.GetValue(FrozenModel), result.GetValue(ApiKeyEnv),
            result.GetValue(ModuleEndpoint) ?? [], result.GetValue(ModuleModel) ?? [], result.GetValue(Timeout), result.GetValue(Retries));

    private static ModuleBackendOptions Build(string? frozenEndpoint, string? frozenModel, string? apiKeyEnv, string[] moduleEndpoints, string[] moduleModels, double timeout, int retries)
    {
        var models = Pairs("--module-model", moduleModels, value => value);
        var overrides = new Dictionary<FrozenModule, ChatEndpointOptions>();
        foreach (var (module, url) in Pairs("--module-endpoint", moduleEndpoints, value => Url("--module-endpoint", value)))
            overrides[module] = Endpoint(url, models.GetValueOrDefault(module) ?? frozenModel, $"--module-model {Name(module)}=NAME or --frozen-model");
        foreach (var module in models.Keys.Where(m => !overrides.ContainsKey(m)))
        {
            if (frozenEndpoint is null)
                throw new ArgumentException($"--module-model {Name(module)}=... needs an endpoint: --module-endpoint {Name(module)}=URL or --frozen-endpoint");
            overrides[module] = Endpoint(Url("--frozen-endpoint", frozenEndpoint), models[module], "");
        }
        ChatEndpointOptions? frozen = frozenEndpoint is null ? null : Endpoint(Url("--frozen-endpoint", frozenEndpoint), frozenModel, "--frozen-model");
        if (frozenEndpoint is null && frozenModel is not null)
            throw new ArgumentException("--frozen-model needs --frozen-endpoint");
        return new ModuleBackendOptions { Frozen = frozen, Overrides = overrides };

        ChatEndpointOptions Endpoint(Uri url, string? model, string modelFlag) => new()
        {
            Endpoint = url,
            Model = model ?? throw new ArgumentException($"the endpoint {url} needs a model name: {modelFlag}"),
            ApiKeyEnvironmentVariable = apiKeyEnv,
            Timeout = TimeSpan.FromSeconds(timeout),
            MaxRetries = retries,
        };
    }

    private static Dictionary<FrozenModule, T> Pairs<T>(string flag, string[] values, Func<string, T> read)
    {
        var pairs = new Dictionary<FrozenModule, T>();
        foreach (string value in values)
        {
            int equals = value.IndexOf('=');
            if (equals <= 0 || !ModuleNames.TryGetValue(value[..equals], out var module))
                throw new ArgumentException($"{flag} must be MODULE=VALUE with MODULE one of {Modules}, got '{value}'");
            pairs[module] = read(value[(equals + 1)..]);
        }
        return pairs;
    }

    private static Uri Url(string flag, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ArgumentException($"{flag} must be an http or https URL such as http://127.0.0.1:8000/v1, got '{value}'");

    private static string Name(FrozenModule module) => ModuleNames.First(pair => pair.Value == module).Key;
}
