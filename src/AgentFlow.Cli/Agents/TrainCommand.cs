using System.CommandLine;
using AgentFlow.MLNet.Agent.Backends;
using AgentFlow.MLNet.Benchmarks;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;
using AgentFlow.MLNet.Tools.Generation;
using AgentFlow.MLNet.Tools.Python;
using AgentFlow.MLNet.Tools.Search;
using AgentFlow.MLNet.Training;
using Microsoft.Extensions.AI;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// <c>agentflow train</c>: Flow-GRPO on the planner's LoRA adapters, over a question file or a shipped benchmark, with the
/// frozen modules on the local model or one OpenAI-compatible endpoint. Writes <c>metrics.jsonl</c> (one line a step),
/// checkpoints (<c>checkpoint-N/</c>, which <c>--resume</c> continues from), the adapters (<c>adapter/</c>, PEFT layout)
/// and the merged model (<c>model/</c>, which <c>eval --model</c> loads).
/// </summary>
internal static class TrainCommand
{
    internal static Command Create()
    {
        var benchmark = new Option<string>("--benchmark") { Description = "Train on a shipped benchmark (its own scorer per row)." };
        var data = new Option<string>("--data") { Description = "Train on a question file (.jsonl, .csv or .tsv): question, answer (in JSONL a string, number or list), optional id and source." };
        var validation = new Option<string>("--validation") { Description = "A question file (.jsonl, .csv or .tsv) scored greedily every --eval-steps steps and at the end." };
        var scorer = CliOptions.Text("--scorer", "Scorer for the rows of --data and --validation (any of .jsonl, .csv, .tsv): exact or numeric.", "exact or numeric", value => value is "exact" or "numeric", "exact");
        var limit = CliOptions.Number("--limit", "Train on the first N questions only.", "a positive whole number", (int n) => n > 0);
        var output = new Option<string>("--output") { Description = "Folder for metrics.jsonl, adapter/ and model/.", Required = true };
        var model = new ModelArguments();
        var index = new Option<string>("--index") { Description = "A Lucene index folder for the search tool; default none." };
        var loraRank = CliOptions.Number("--lora-rank", "LoRA rank of the planner's adapters.", "a positive whole number", (int n) => n > 0, defaultValue: 8);
        var loraAlpha = CliOptions.Number("--lora-alpha", "LoRA alpha (the update is scaled by alpha / rank).", "a positive number", (double a) => a > 0 && double.IsFinite(a), defaultValue: 16.0);
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run in --output from its newest intact checkpoint; the data, the model and every option must be as before, except --save-steps, --save-total-limit, --eval-steps, --max-consecutive-non-finite-steps and (not under --lr-scheduler cosine) --epochs.",
        };
        var flowGrpo = new TrainerArguments();
        var backends = new ModuleBackendArguments();

        var command = new Command("train", "Train the planner with Flow-GRPO (LoRA) on a question file (.jsonl, .csv or .tsv) or a shipped benchmark.")
        {
            benchmark, data, validation, scorer, limit, output, index, loraRank, loraAlpha, resume,
        };
        flowGrpo.AddTo(command);
        foreach (var option in model.All)
            command.Options.Add(option);
        backends.AddTo(command);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(benchmark) is null) == (result.GetResult(data) is null))
                result.AddError($"give exactly one of --benchmark NAME and --data FILE ({EvalData.Formats})");
            if (result.GetResult(backends.ModuleEndpoint) is not null || result.GetResult(backends.ModuleModel) is not null)
                result.AddError("train runs all frozen modules on one backend: use --frozen-endpoint and --frozen-model, not --module-endpoint or --module-model");
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            IAnswerScorer rowScorer = result.GetValue(scorer) == "numeric" ? new NumericScorer() : new ExactMatchScorer();
            var train = result.GetValue(benchmark) is { } name
                ? EvalData.Benchmark(name)
                : EvalData.Read(InputPaths.RequireExisting("--data", result.GetValue(data)!), rowScorer);
            if (result.GetResult(limit) is not null)
                train = [.. train.Take(result.GetValue(limit))];
            var held = result.GetValue(validation) is { } file ? EvalData.Read(InputPaths.RequireExisting("--validation", file), rowScorer) : [];
            string folder = result.GetValue(output)!;
            var options = flowGrpo.Build(result, folder, result.GetValue(resume));
            options.Validate();
            var frozenEndpoint = backends.Build(result).Frozen;

            using var local = model.Load(result);
            local.Model.AttachLora(new LoraOptions { Rank = result.GetValue(loraRank), Alpha = result.GetValue(loraAlpha) });
            using var host = new ModelHost(local);
            using var endpoint = frozenEndpoint is null ? null : ChatEndpoints.Create(frozenEndpoint);
            using var localFrozen = host.AsChatClient(new LocalChatClientOptions { UseAdapters = false });
            IChatClient frozen = endpoint ?? localFrozen;
            using var searchIndex = result.GetValue(index) is { } indexFolder ? LuceneSearchIndex.Open(InputPaths.RequireExisting("--index", indexFolder)) : null;
            List<ITool> tools = [new CalculatorTool(), new PythonTool(), new BaseGeneratorTool(frozen, new ChatOptions { Temperature = 0, MaxOutputTokens = options.MaxCompletionTokens })];
            if (searchIndex is not null)
                tools.Add(SearchTool.Local(searchIndex));

            using var trainer = new FlowGrpoTrainer(host, new ToolRegistry(tools), rowScorer, options,
                new FlowGrpoSetup { FrozenModules = endpoint });
            IReadOnlyList<FlowGrpoStepMetrics> history;
            try
            {
                history = await TrainingProgress.RunAsync(options.TotalSteps(train.Count), resuming: options.ResumeFromCheckpoint is not null,
                    progress => trainer.TrainAsync([.. train.Select(Example)], [.. held.Select(Example)], progress, cancellationToken)).ConfigureAwait(false);
            }
            catch (InvalidOperationException e) when (TrainerArguments.WithFlagNames(e.Message) is { } message)
            {
                throw new InvalidOperationException(message, e);
            }

            await host.RunAsync(trained =>
            {
                LoraCheckpoint.Save(trained, Path.Combine(folder, "adapter"));
                trained.MergeAdapters();
                CausalLMCheckpoint.Save(local, Path.Combine(folder, "model"));
                return 0;
            }, ModelAccess.Write, cancellationToken).ConfigureAwait(false);
            Console.Out.WriteLine($"trained {history.Count} step{(history.Count == 1 ? "" : "s")} (to step {trainer.Step}); wrote {Path.Combine(folder, "metrics.jsonl")}, {Path.Combine(folder, "adapter")} and {Path.Combine(folder, "model")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static TrainingExample Example(BenchmarkItem item) =>
        new(item.Question, item.GoldAnswers) { Source = item.Benchmark, Scorer = item.Scorer, Numbers = item.Numbers };
}
