// RealModel: the paper's setup on your own model. The planner is a Hugging Face folder or a GGUF file (e.g.
// Qwen2.5-1.5B-Instruct) trained here with Flow-GRPO on LoRA adapters through the ML.NET estimator
// (Trainers.FlowGrpo); the frozen executor, verifier and generator run on an OpenAI-compatible endpoint (vLLM,
// llama-server, Ollama, `agentflow serve`); the data is one of the benchmark sets the library ships, split into a
// training part and a held-out part that is evaluated before and after training. See README.md beside this file.
//   dotnet run --project samples/RealModel -c Release -- --planner /models/Qwen2.5-1.5B-Instruct \
//       --frozen-endpoint http://127.0.0.1:8000/v1 --frozen-model Qwen2.5-7B-Instruct --benchmark bamboogle --device cuda
using System.CommandLine;
using System.CommandLine.Invocation;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Backends;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Tools.Generation;
using AgentFlow.MLNet.Tools.Python;
using AgentFlow.MLNet.Tools.Search;
using AgentFlow.MLNet.Training;
using Microsoft.Extensions.AI;
using Microsoft.ML;
using RealModel;

// Numbers read and printed the same under every locale: "1e-5" and "12.5 %", never "1,5".
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var defaults = new FlowGrpoOptions();
var planner = new Option<string>("--planner") { Description = "The planner: a Hugging Face model folder, a .gguf file, or 'tiny' (the built-in untrained tiny model).", Required = true };
var frozenEndpoint = new Option<Uri>("--frozen-endpoint")
{
    Description = "Base URL (with /v1) of the OpenAI-compatible server that runs the frozen modules.",
    Required = true,
    CustomParser = r => Uri.TryCreate(r.Tokens[0].Value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
        ? url
        : Refuse(r, $"--frozen-endpoint must be an http or https URL such as http://127.0.0.1:8000/v1, got '{r.Tokens[0].Value}'"),
};
var frozenModel = new Option<string>("--frozen-model") { Description = "The model name that server serves.", Required = true };
var apiKeyEnv = new Option<string>("--api-key-env") { Description = "The NAME of the environment variable holding the server's API key (never the key); default none." };
var endpointTimeout = Positive("--endpoint-timeout", "Seconds per attempt of a frozen-module call.", 120);
var benchmark = new Option<string>("--benchmark") { Description = $"The shipped benchmark to train and evaluate on: {string.Join(", ", BenchmarkCatalog.All.Select(b => b.Name))}.", DefaultValueFactory = _ => "bamboogle" };
var limit = new Option<int?>("--limit") { Description = "Use only the first N questions of the benchmark (after shuffling); default all." };
limit.Validators.Add(r =>
{
    if (r.GetValueOrDefault<int?>() is <= 0)
        r.AddError("--limit must be a positive whole number");
});
var heldOut = Positive("--held-out", "Questions held out for evaluation (never trained on).", 25);
var judge = new Option<bool>("--judge") { Description = "Reward with an LLM judge on the frozen endpoint instead of the benchmark's own scorer (the paper judges search answers this way)." };
var index = new Option<string>("--index") { Description = "A Lucene index folder (agentflow index) for the search tool; default none." };
var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N (CUDA needs the build's -p:TorchBackend=cuda).", DefaultValueFactory = _ => "auto" };
device.Validators.Add(r =>
{
    // What ComputeDevice.Resolve understands, checked before anything loads; whether CUDA is there is found at run time.
    string value = r.GetValueOrDefault<string>()!.Trim().ToLowerInvariant();
    if (!(value is "auto" or "cpu" or "cuda" || (value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _))))
        r.AddError($"--device must be auto, cpu, cuda or cuda:N, got '{r.GetValueOrDefault<string>()}'");
});
var batch = Positive("--batch-size", "Questions per training step.", defaults.BatchSize);
var generations = Positive("--num-generations", "Trajectories per question (the group size G, at least 2).", defaults.NumGenerations, minimum: 2);
var epochs = Positive("--epochs", "Passes over the training part.", defaults.NumTrainEpochs);
var maxTurns = Positive("--max-turns", "Planner turns per rollout in training.", defaults.MaxTurns);
var evalTurns = Positive("--eval-max-turns", "Planner turns per question in evaluation.", new AgentOptions().MaxTurns);
var tokens = Positive("--max-tokens", "Most tokens one module call may generate, in training and evaluation.", 512);
var learningRate = new Option<double?>("--learning-rate")
{
    Description = $"AdamW learning rate; default {FlowGrpoOptions.LoraLearningRate.ToString(CultureInfo.InvariantCulture)} (the LoRA default).",
    // Read with the invariant culture whatever the machine's, so "1e-5" and "0.00001" always mean the same and "0,5" is refused.
    CustomParser = r => double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate) && rate >= 0 && double.IsFinite(rate)
        ? rate
        : RefuseNumber(r, $"--learning-rate must be 0 or a positive number, got '{r.Tokens[0].Value}'"),
};
var loraRank = Positive("--lora-rank", "Rank of the planner's LoRA adapters.", 8);
var timeBudget = Positive("--time-budget", "Seconds one trajectory may take; every rollout of a step runs at once, so raise it on a slow machine.", 300);
var seed = new Option<int>("--seed") { Description = "Seeds the split, the adapters and every rollout.", DefaultValueFactory = _ => 1 };
var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip evaluating the untrained planner first." };
var resume = new Option<bool>("--resume") { Description = "Continue the training run in OUT/training from its newest checkpoint (same data and options; --epochs may grow)." };
var output = new Option<string>("--out") { Description = "Output folder: training/ (metrics.jsonl, checkpoints), model.zip, held-out results.", DefaultValueFactory = _ => "realmodel-output" };

var root = new RootCommand("Trains an AgentFlow planner with Flow-GRPO through the ML.NET estimator, frozen modules on an OpenAI-compatible endpoint.")
{
    planner, frozenEndpoint, frozenModel, apiKeyEnv, endpointTimeout, benchmark, limit, heldOut, judge, index, device, batch, generations, epochs,
    maxTurns, evalTurns, tokens, learningRate, loraRank, timeBudget, seed, noBaseline, resume, output,
};
root.SetAction(async (result, cancellationToken) =>
{
    var clock = Stopwatch.StartNew();
    TorchSharpNativeFixup.EnsureTorchLoaded();
    var source = ModelSource(result.GetValue(planner)!);
    var computeDevice = ComputeDevice.Resolve(result.GetValue(device)!);
    string outputFolder = Path.GetFullPath(result.GetValue(output)!);
    string trainingFolder = Path.Combine(outputFolder, "training");
    bool resuming = result.GetValue(resume);
    if (!resuming && Directory.Exists(trainingFolder) && Directory.EnumerateFileSystemEntries(trainingFolder).Any())
        throw new IOException($"{trainingFolder} already holds a training run; pass --resume to continue it, or give --out a new folder.");
    Directory.CreateDirectory(outputFolder);

    // The frozen modules: one client for the endpoint, asked once now, so a wrong URL, model or key stops the run
    // here with the server's reason instead of as module failures in every rollout.
    var endpoint = new ChatEndpointOptions
    {
        Endpoint = result.GetValue(frozenEndpoint)!,
        Model = result.GetValue(frozenModel)!,
        ApiKeyEnvironmentVariable = result.GetValue(apiKeyEnv),
        Timeout = TimeSpan.FromSeconds(result.GetValue(endpointTimeout)),
    };
    using var frozen = ChatEndpoints.Create(endpoint);
    await frozen.GetResponseAsync([new ChatMessage(ChatRole.User, "Reply with OK.")], new ChatOptions { MaxOutputTokens = 1, Temperature = 0 }, cancellationToken);

    // The data: the benchmark, shuffled with the seed, the first --held-out questions set aside.
    var ml = new MLContext(seed: result.GetValue(seed));
    var set = BenchmarkLoader.Load(result.GetValue(benchmark)!);
    var rows = ml.Data.CreateEnumerable<AgentFlowQuestion>(ml.AgentFlow().Data.LoadBenchmark(set.Name), reuseRowObject: false).ToList();
    var random = new Random(result.GetValue(seed));
    rows = [.. rows.OrderBy(_ => random.Next())];
    if (result.GetValue(limit) is int n)
        rows = [.. rows.Take(n)];
    int held = result.GetValue(heldOut);
    if (held >= rows.Count)
        throw new ArgumentException($"--held-out {held} leaves no training question: {set.Definition.DisplayName} has {rows.Count} questions{(result.GetValue(limit) is null ? "" : " within --limit")}.");
    var test = ml.AgentFlow().Data.LoadFromEnumerable(rows.Take(held));
    var train = ml.AgentFlow().Data.LoadFromEnumerable(rows.Skip(held));
    Console.WriteLine($"{set.Definition.DisplayName}: {rows.Count} questions, {rows.Count - held} to train on, {held} held out (seed {result.GetValue(seed)}).");
    Console.WriteLine($"planner {source} on {computeDevice.type.ToString().ToLowerInvariant()}; frozen modules {endpoint.Model} at {endpoint.Endpoint}.");

    IAnswerScorer scorer = new BenchmarkScorer(set, result.GetValue(judge) ? new LlmJudgeScorer(frozen) : null);
    using var searchIndex = result.GetValue(index) is { } folder ? LuceneSearchIndex.Open(folder) : null;
    int maxTokens = result.GetValue(tokens);
    List<ITool> toolList = [new CalculatorTool(), new PythonTool(), new BaseGeneratorTool(frozen, new ChatOptions { Temperature = 0, MaxOutputTokens = maxTokens })];
    if (searchIndex is not null)
        toolList.Add(SearchTool.Local(searchIndex));
    var tools = new ToolRegistry(toolList);
    var budget = TimeSpan.FromSeconds(result.GetValue(timeBudget));
    var evaluation = new AgentFlowTransformOptions
    {
        LabelColumnName = AgentFlowColumns.Answer,
        MaxNewTokens = maxTokens,
        Agent = new AgentOptions { MaxTurns = result.GetValue(evalTurns), TimeBudget = budget },
        Tools = tools,
        Scorer = scorer,
        FrozenModules = frozen,
    };

    double? before = null;
    if (!result.GetValue(noBaseline))
    {
        using var untrained = ml.AgentFlow().Transforms.AgentFlow(source, evaluation, computeDevice).Fit(test);
        before = Evaluate(ml, untrained, test, "the untrained planner", Path.Combine(outputFolder, "held-out-baseline.jsonl")).Accuracy;
    }

    var estimator = ml.AgentFlow().Trainers.FlowGrpo(new FlowGrpoEstimatorOptions
    {
        Model = source,
        Device = computeDevice,
        SourceColumnName = AgentFlowColumns.Source,
        Lora = new LoraOptions { Rank = result.GetValue(loraRank), Alpha = 2 * result.GetValue(loraRank) },
        Trainer = defaults with
        {
            BatchSize = result.GetValue(batch),
            MiniBatchSize = Math.Min(defaults.MiniBatchSize, result.GetValue(batch)),
            NumGenerations = result.GetValue(generations),
            NumTrainEpochs = result.GetValue(epochs),
            MaxTurns = result.GetValue(maxTurns),
            MaxCompletionTokens = maxTokens,
            LearningRate = result.GetValue(learningRate),
            ResumeFromCheckpoint = resuming ? trainingFolder : null,
        },
        Seed = result.GetValue(seed),
        CheckpointFolder = trainingFolder,
        Tools = tools,
        Scorer = scorer,
        FrozenModules = frozen,
        TrainingAgent = AgentOptions.Training with { TimeBudget = budget },
        Progress = new StepPrinter(),
        CancellationToken = cancellationToken,
        Transform = evaluation,
    });
    using var trained = estimator.Fit(train);
    // After --resume the history holds this run's steps only; the last one's number says where training stands.
    string last = trained.TrainingHistory.Count > 0 ? $" (to step {trained.TrainingHistory[^1].Step})" : "";
    Console.WriteLine($"trained {trained.TrainingHistory.Count} steps{last}; planner: {trained.Model.Model.Describe()}");
    double after = Evaluate(ml, trained, test, "after Flow-GRPO", Path.Combine(outputFolder, "held-out-trained.jsonl")).Accuracy;

    string saved = Path.Combine(outputFolder, "model.zip");
    ml.Model.SaveAgentFlow(trained, test.Schema, saved);
    Console.WriteLine($"saved {saved} (LoadAgentFlow reads it, given the same tools and frozen-module client), {trainingFolder}; {clock.Elapsed.TotalSeconds:F0} s in all.");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held-out accuracy: {(before is double b ? $"{b * 100:F1}%" : "not measured")} untrained, {after * 100:F1}% after Flow-GRPO"));
    return 0;
});

var parsed = root.Parse(args);
if (parsed.Action is ParseErrorAction)
{
    Console.Error.WriteLine($"realmodel: {OneLine(string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.'))))} (see --help)");
    return 2;
}
try
{
    // Ctrl+C cancels the run's token (training stops between steps); a run still going 10 s later is abandoned with 130.
    int code = await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(10) });
    if (code == 130)
        Console.Error.WriteLine("realmodel: cancelled");
    return code;
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: the checkpoints written so far stay, and --resume continues from the newest.
    Console.Error.WriteLine("realmodel: cancelled");
    return 130;
}
catch (ExternalException e)
{
    // libtorch's failures (CUDA out of memory) carry its C++ backtrace after the first line, which says what happened.
    Console.Error.WriteLine($"realmodel: libtorch failed: {e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()}");
    return 1;
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or NotSupportedException or InvalidOperationException or ChatEndpointException)
{
    // What the user gave (a path, a device, an endpoint) is at fault: one line, no stack trace.
    Console.Error.WriteLine($"realmodel: {OneLine(e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message)}");
    return 1;
}

static AgentFlowModelSource ModelSource(string planner) =>
    planner == "tiny" ? AgentFlowModelSource.TinyModel()
    : planner.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? AgentFlowModelSource.FromGguf(planner)
    : AgentFlowModelSource.FromFolder(planner);

// Solves the held-out part once, writes one JSON line per question, and prints the library's metrics for it.
static AgentFlowMetrics Evaluate(MLContext ml, ITransformer model, IDataView test, string label, string resultsFile)
{
    var clock = Stopwatch.StartNew();
    var rows = ml.Data.CreateEnumerable<HeldOutRow>(model.Transform(test), reuseRowObject: false).ToList();
    // The transform already scored every answer into Reward (with --judge, one judge call each): the metrics count those
    // rewards rather than scoring again, which would ask the judge a second time and could disagree with the file.
    var metrics = ml.AgentFlow().Evaluate(ml.Data.LoadFromEnumerable(rows), sourceColumnName: AgentFlowColumns.Source, scorer: new RecordedRewards(rows));
    var trajectories = rows.Select(r => Trajectory.FromJson(r.Trajectory)).ToList();
    // People read these files too: <answer> and non-ASCII text stay as they are rather than \u-escaped.
    var json = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    File.WriteAllLines(resultsFile, rows.Zip(trajectories, (r, t) => JsonSerializer.Serialize(new
    {
        question = r.Question,
        gold = r.Answer,
        answer = r.PredictedAnswer,
        reward = float.IsNaN(r.Reward) ? (float?)null : r.Reward,
        turns = r.Turns,
        tools = t.Turns.Select(turn => turn.Tool).OfType<string>(),
        failure = t.Failure,
    }, json)));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"held out, {label}: accuracy {metrics.Accuracy:P1} of {metrics.Count}, mean turns {metrics.MeanTurns:F2}, tool-call errors {(double.IsNaN(metrics.ToolCallErrorRate) ? "- (no tool called)" : metrics.ToolCallErrorRate.ToString("P0", CultureInfo.InvariantCulture))}, " +
        $"module failures {trajectories.Count(t => t.IsInfrastructureFailure)}, {clock.Elapsed.TotalSeconds:F0} s ({resultsFile})"));
    return metrics;
}

static Uri? Refuse(System.CommandLine.Parsing.ArgumentResult result, string error)
{
    result.AddError(error);
    return null;
}

static double? RefuseNumber(System.CommandLine.Parsing.ArgumentResult result, string error)
{
    result.AddError(error);
    return null;
}

static Option<int> Positive(string name, string description, int defaultValue, int minimum = 1)
{
    var option = new Option<int>(name) { Description = $"{description} Default {defaultValue}.", DefaultValueFactory = _ => defaultValue };
    option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<int>() < minimum)
            r.AddError(minimum == 1 ? $"{name} must be a positive whole number" : $"{name} must be a whole number of at least {minimum}");
    });
    return option;
}

static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
