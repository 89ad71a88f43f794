// Consume: loads the model.zip the QuickStart saved and answers questions with it through an ML.NET PredictionEngine,
// printing each answer and a short summary of the trajectory that produced it (turns, tools, why it stopped).
//   dotnet run --project samples/Consume -c Release                                 three test questions, quickstart-output/model.zip
//   dotnet run --project samples/Consume -c Release -- "How much is the birth year of the person Laethor?"
//   dotnet run --project samples/Consume -c Release -- --model DIR/model.zip < questions.txt      one question a line
//   options: --model PATH (default quickstart-output/model.zip, where the QuickStart saves it)
//            --world-seed N (the QuickStart's --world-seed, default 1)
// The QuickStart's model plans for the AgentFlow Mini world: its tools search that world's encyclopedia and its
// executor, verifier and generator are the world's scripted modules, which are code, not data, so they are rebuilt
// here from the world's seed and handed to LoadAgentFlow. Questions from elsewhere are refused, each with one line.
using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Worlds.Mini;
using Microsoft.ML;

// Timings print the same under every locale ("120 ms"), and --world-seed reads the same everywhere.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var questionsArgument = new Argument<string[]>("questions")
{
    Description = "Questions to answer; none: one a line from standard input, or three of the world's test questions at a terminal.",
    Arity = ArgumentArity.ZeroOrMore,
};
var modelOption = new Option<string>("--model")
{
    Description = "The model.zip the QuickStart saved.",
    DefaultValueFactory = _ => Path.Combine("quickstart-output", "model.zip"),
};
var worldSeedOption = new Option<int>("--world-seed")
{
    Description = "The seed of the Mini world the model was trained in (the QuickStart's --world-seed).",
    DefaultValueFactory = _ => 1,
};
var root = new RootCommand("Answers AgentFlow Mini questions with the model the QuickStart saved.") { questionsArgument, modelOption, worldSeedOption };
root.SetAction((result, _) => RunAsync(result.GetValue(modelOption)!, result.GetValue(worldSeedOption), result.GetValue(questionsArgument) ?? []));
var parsed = root.Parse(args);
if (parsed.Action is ParseErrorAction)
{
    Console.Error.WriteLine($"consume: {string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')))} (see --help)");
    return 2;
}
return await parsed.InvokeAsync();

static async Task<int> RunAsync(string modelPath, int worldSeed, string[] given)
{
    if (!File.Exists(modelPath))
    {
        Console.Error.WriteLine($"consume: {modelPath}: no such file; run samples/QuickStart first (it saves quickstart-output/model.zip) or pass --model PATH");
        return 1;
    }

    TorchSharpNativeFixup.EnsureTorchLoaded();
    var world = MiniWorld.Generate(new MiniWorldOptions { Seed = worldSeed });
    var (tools, index) = world.CreateTools();
    using var searchIndex = index;
    using var frozenModules = new MiniFrozenModules(world);
    var scorer = new MiniWorldScorer(world);
    var ml = new MLContext(seed: 1);

    ITransformer loaded;
    try
    {
        loaded = ml.Model.LoadAgentFlow(modelPath, out _, new AgentFlowLoadOptions { Tools = tools, Scorer = scorer, FrozenModules = frozenModules });
    }
    catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException or IOException)
    {
        // ML.NET reports a file that is no zip, or a zip that is no ML.NET model, by its own exception types; each
        // means the same to the user: this file is not a model the QuickStart saved.
        Console.Error.WriteLine($"consume: {modelPath} is not an AgentFlow model saved with SaveAgentFlow: {OneLine(e.Message)}");
        return 1;
    }
    if (loaded is not AgentFlowTransformer { Options.Prompts.Version: MiniPrompts.Version })
    {
        string prompts = loaded is AgentFlowTransformer stage ? $"its prompts are '{stage.Options.Prompts?.Version}'" : "it is a chain of several stages";
        (loaded as IDisposable)?.Dispose();
        Console.Error.WriteLine($"consume: {modelPath} holds an AgentFlow model, but not one the QuickStart saved ({prompts}, not '{MiniPrompts.Version}')");
        return 1;
    }

    IEnumerable<string> questions = given;
    if (given.Length == 0 && Console.IsInputRedirected)
        questions = StandardInputLines();   // answered as they arrive, so a pipe gets each answer before it sends more
    else if (given.Length == 0)
    {
        questions = [.. world.Test.Take(3).Select(q => q.Question)];
        Console.Error.WriteLine("consume: no question given; answering the first 3 of the world's test split");
    }

    // The engine disposes the transformer, and with it the model, when it is disposed.
    using var engine = ml.Model.CreatePredictionEngine<AgentFlowQuestion, AgentFlowPrediction>(loaded);
    int asked = 0, refused = 0;
    foreach (string question in questions)
    {
        asked++;
        Console.WriteLine($"Q: {question}");
        if (!world.TryFind(question, out var known))
        {
            refused++;
            Console.WriteLine($"refused: not a question of the AgentFlow Mini world (seed {worldSeed}), whose scripted modules and encyclopedia serve only its own questions");
            continue;
        }
        var prediction = engine.Predict(new AgentFlowQuestion { Question = question });
        var trajectory = Trajectory.FromJson(prediction.Trajectory);
        var score = await scorer.ScoreAsync(new ScoringRequest(prediction.PredictedAnswer, [known.Answer]) { Question = question });
        Console.WriteLine($"A: {(prediction.PredictedAnswer.Length > 0 ? prediction.PredictedAnswer : "(none)")}  (gold {known.Answer}: {(score.Score >= 1 ? "right" : "wrong")})");
        Console.WriteLine($"   {Summary(trajectory, prediction)}");
    }
    if (asked == 0)
    {
        Console.Error.WriteLine("consume: no question on the command line or standard input");
        return 1;
    }
    if (refused > 0)
    {
        Console.Error.WriteLine($"consume: {refused} of {asked} questions are not of the Mini world (seed {worldSeed}) and were not answered");
        return 1;
    }
    return 0;
}

static IEnumerable<string> StandardInputLines()
{
    for (string? line; (line = Console.In.ReadLine()) is not null;)
    {
        if (line.Trim().Length > 0)
            yield return line.Trim();
    }
}

static string Summary(Trajectory trajectory, AgentFlowPrediction prediction)
{
    var used = trajectory.Turns.Select(t => t.Tool).OfType<string>().ToList();
    string tools = used.Count > 0 ? string.Join(" -> ", used) : "no tool";
    string errors = prediction.ToolErrors > 0 ? $", {prediction.ToolErrors} tool error{(prediction.ToolErrors == 1 ? "" : "s")}" : "";
    string stopped = trajectory.IsInfrastructureFailure ? $"failed: {trajectory.Failure}" : $"stopped: {StopText(trajectory.StopReason)}";
    return $"{trajectory.Turns.Count} turn{(trajectory.Turns.Count == 1 ? "" : "s")}, tools: {tools}{errors}; {stopped}; {prediction.LatencyMs:F0} ms";
}

static string StopText(StopReason reason) => reason switch
{
    StopReason.Verified => "the verifier said STOP",
    StopReason.MaxTurns => "turn limit reached",
    StopReason.TimeBudget => "time budget spent",
    _ => reason.ToString(),
};

static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
