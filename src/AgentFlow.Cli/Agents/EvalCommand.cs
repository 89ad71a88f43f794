using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Rewards;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// <c>agentflow eval</c>: the agent on a shipped benchmark (with its scorer) or a question file (JSONL, CSV or TSV); prints a results table on
/// standard output and, with <c>--output</c>, writes every question's outcome as JSON. Questions run concurrently
/// (<c>--parallel</c>) so the model host decodes them in one batch; each is seeded from <c>--seed</c> and its index.
/// </summary>
internal static class EvalCommand
{
    internal static Command Create()
    {
        var benchmark = new Option<string>("--benchmark") { Description = $"A shipped benchmark: {string.Join(", ", BenchmarkCatalog.All.Select(b => b.Name))}." };
        var data = new Option<string>("--data") { Description = "A question file (.jsonl, .csv or .tsv): question, answer (in JSONL a string, number or list), optional id and source." };
        var scorer = CliOptions.Text("--scorer", "Scorer for --data (a shipped benchmark has its own): exact (normalised exact match over the answers), numeric, or judge (an LLM judge on the judge module's backend).",
            "exact, numeric or judge", value => value is "exact" or "numeric" or "judge", "exact");
        var limit = CliOptions.Number("--limit", "Evaluate only the first N questions.", "a positive whole number", (int n) => n > 0);
        var parallel = CliOptions.Number("--parallel", "Questions solved at once (their module calls share the model's batch).", "a positive whole number", (int n) => n > 0, defaultValue: 4);
        var output = new Option<string>("--output") { Description = "Write the report (summary, per source, per question) as JSON here." };
        var arguments = new AgentArguments();
        var command = new Command("eval", "Evaluate the agent on a shipped benchmark or a question file (.jsonl, .csv or .tsv); prints accuracy per source, mean turns, tool errors and latency.")
        {
            benchmark, data, scorer, limit, parallel, output,
        };
        arguments.AddTo(command);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(benchmark) is null) == (result.GetResult(data) is null))
                result.AddError($"give exactly one of --benchmark NAME and --data FILE ({EvalData.Formats})");
            // A shipped benchmark is scored by its own scorer; a --scorer beside it would be ignored, so it is refused.
            else if (result.GetResult(benchmark) is not null && result.GetResult(scorer) is { Implicit: false })
                result.AddError("--scorer applies to --data only: a --benchmark is scored by its own scorer");
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            string dataName;
            IReadOnlyList<BenchmarkItem> items;
            if (result.GetValue(benchmark) is { } name)
            {
                items = EvalData.Benchmark(name);
                dataName = name;
            }
            else
            {
                string path = InputPaths.RequireExisting("--data", result.GetValue(data)!);
                items = EvalData.Read(path, result.GetValue(scorer) == "numeric" ? new NumericScorer() : new ExactMatchScorer());
                dataName = path;
            }
            if (result.GetResult(limit) is not null)
                items = [.. items.Take(result.GetValue(limit))];

            using var session = arguments.Open(result);
            if (result.GetValue(data) is not null && result.GetValue(scorer) == "judge")
                items = [.. items.Select(item => item with { Scorer = new LlmJudgeScorer(session.Judge) })];
            ulong seed = result.GetValue(arguments.Seed);
            var clock = Stopwatch.StartNew();
            var outcomes = new EvalItem[items.Count];
            int done = 0;
            await Parallel.ForAsync(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = result.GetValue(parallel), CancellationToken = cancellationToken }, async (i, token) =>
            {
                var item = items[i];
                var trajectory = await session.Agent.SolveAsync(item.Question, unchecked(seed + (ulong)i), token).ConfigureAwait(false);
                outcomes[i] = await ScoreAsync(item, trajectory, token).ConfigureAwait(false);
                Console.Error.WriteLine($"[{Interlocked.Increment(ref done)}/{items.Count}] {TrajectoryText.Visible(item.Benchmark)} {TrajectoryText.Visible(item.Id)}: {(outcomes[i].Correct ? "correct" : "wrong")} in {(trajectory.DurationMs / 1000).ToString("F1", CultureInfo.InvariantCulture)} s");
            }).ConfigureAwait(false);

            var report = EvalReport.Create(ModelArguments.NameOf(result.GetValue(arguments.Model.Model)!), dataName, outcomes, clock.Elapsed.TotalSeconds);
            report.WriteTable(Console.Out, terminal: !Console.IsOutputRedirected);
            if (result.GetValue(output) is { } file)
            {
                // Written beside, then renamed: a reader never sees half a report.
                string partial = file + ".partial";
                File.WriteAllText(partial, report.ToJson());
                File.Move(partial, file, overwrite: true);
                Console.Error.WriteLine($"wrote {file}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Scores the answer; a scorer that fails (a judge endpoint that is down) makes the item wrong and recorded, not the run fail.</summary>
    private static async Task<EvalItem> ScoreAsync(BenchmarkItem item, Trajectory trajectory, CancellationToken cancellationToken)
    {
        try
        {
            var score = await item.ScoreAsync(trajectory.Generator?.Output ?? trajectory.FinalAnswer, cancellationToken).ConfigureAwait(false);
            return Outcome(item, trajectory, score.Score >= 1);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Outcome(item, trajectory, correct: false) with { ModuleFailure = true, Failure = $"judge call failed: {e.Message}" };
        }
    }

    private static EvalItem Outcome(BenchmarkItem item, Trajectory trajectory, bool correct) => new(
        item.Benchmark, item.Id, item.Question, item.GoldAnswers, trajectory.FinalAnswer, correct,
        trajectory.Turns.Count,
        trajectory.Turns.Count(t => t.ToolArguments is not null && t.ToolOutput is null),   // a tool ran and failed
        trajectory.IsInfrastructureFailure, trajectory.Failure, trajectory.DurationMs / 1000);
}
