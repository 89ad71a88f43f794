using System.IO.Compression;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Models.Lora;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.Tests.MLNet;

/// <summary>
/// The estimator contract in the style of ML.NET's own: schema propagation and errors naming the column, Fit on a
/// tiny built-in model (streams the rows, trains the adapters, reports progress, seeds from the MLContext, honours
/// cancellation), then Transform, SaveAgentFlow and LoadAgentFlow in a new MLContext with identical outputs.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class AgentFlowEstimatorTests
{
    public AgentFlowEstimatorTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    [Fact]
    public void GetOutputSchemaAddsTheAnswerColumnsAndNamesABadColumn()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.AgentFlow().Trainers.FlowGrpo(AgentFlowTestModels.TrainOptions());

        var output = estimator.GetOutputSchema(ShapeOf<NumberedQuestion>(ml));
        Assert.Equal(["Id", "Question", "Answer", "PredictedAnswer", "Trajectory", "Turns", "ToolCalls", "ToolErrors", "LatencyMs", "Reward"], output.Select(c => c.Name));

        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(ShapeOf<QuestionOnly>(ml)));
        Assert.Contains("'Answer'", missing.Message);
        Assert.Contains("not found", missing.Message);
        var mistyped = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(ShapeOf<NumericQuestion>(ml)));
        Assert.Contains("'Question'", mistyped.Message);
        Assert.Contains("Single", mistyped.Message);
        var vector = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(ShapeOf<VectorQuestion>(ml)));
        Assert.Contains("'Question'", vector.Message);
        Assert.Contains("vector", vector.Message);

        // The same checks guard Fit and the transformer's schema.
        var numeric = ml.Data.LoadFromEnumerable(new[] { new NumericQuestion { Question = 1, Answer = "1" } });
        Assert.Contains("'Question'", Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(numeric)).Message);
        var vectorData = ml.Data.LoadFromEnumerable(new[] { new VectorQuestion { Question = ["a", "b"], Answer = "1" } });
        using var transformer = AgentFlowTestModels.Untrained(ml, AgentFlowTestModels.Questions(ml, 1));
        Assert.Contains("vector", Assert.Throws<ArgumentOutOfRangeException>(() => transformer.GetOutputSchema(vectorData.Schema)).Message);
    }

    [Fact]
    public async Task FitTrainsTheAdaptersAndTheTrainedModelRoundTripsThroughSaveAgentFlow()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        var data = AgentFlowTestModels.Questions(ml, 4);
        var progress = new List<FlowGrpoStepMetrics>();
        // A random model's answers never match, so every advantage would be 0: the frozen modules are scripted instead,
        // their answers alternating between a rewarded and an unrewarded one, so that groups have a spread to learn from.
        var frozen = new AlternatingClient();
        var options = AgentFlowTestModels.TrainOptions() with { Progress = new SynchronousProgress(progress.Add), Scorer = new LengthParityScorer(), FrozenModules = frozen, ValidationData = data };
        options = options with { Trainer = options.Trainer with { NumGenerations = 4, EvalSteps = 2 } };

        using var model = ml.AgentFlow().Trainers.FlowGrpo(options).Fit(data);

        Assert.Equal(2, model.TrainingHistory.Count);   // 4 rows, batches of 2, one epoch
        Assert.Equal(model.TrainingHistory.Select(m => m.Step), progress.Select(m => m.Step));
        Assert.InRange(model.TrainingHistory[^1].ValidationAccuracy!.Value, 0, 1);   // validated at the end
        double adapterNorm = await model.Pipeline.Host.RunAsync(m => LoraAdapters.AdapterParameters(m).Where(p => p.Name.Contains("lora_B")).Sum(p => p.Parameter.abs().sum().item<float>()));
        Assert.True(adapterNorm > 0, "the update left every LoRA B matrix at zero: " + string.Join("; ", model.TrainingHistory));

        // The planner's greedy outputs depend on the trained adapters; the scripted answers do not, so they are what is compared.
        var before = PlannerOutputs(ml, model.Transform(data));
        string path = folder.File("trained.zip");
        ml.Model.SaveAgentFlow(model, data.Schema, path);
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.NotNull(zip.GetEntry("AgentFlow/stage-0/adapters/adapter_model.safetensors"));
            Assert.NotNull(zip.GetEntry("AgentFlow/stage-0/model/model.safetensors"));
        }

        var fresh = new MLContext(seed: 9);
        Assert.Contains("external", Assert.Throws<InvalidOperationException>(() => fresh.Model.LoadAgentFlow(path, out _)).Message);
        using var loaded = Assert.IsType<AgentFlowTransformer>(fresh.Model.LoadAgentFlow(path, out var schema, new AgentFlowLoadOptions { FrozenModules = new AlternatingClient() }));
        var stage = loaded;
        Assert.Equal("Answer", stage.Options.LabelColumnName);
        var freshData = AgentFlowTestModels.Questions(fresh, 4);
        Assert.Equal(before, PlannerOutputs(fresh, loaded.Transform(freshData)));

        // The trained adapters themselves arrive bit for bit: on a model this small the greedy text above may not
        // depend on them (an untrained planner can answer the same), so they are compared directly.
        Assert.Equal(await AdapterValues(model), await AdapterValues(loaded));
    }

    private static Task<List<float[]>> AdapterValues(AgentFlowTransformer transformer) =>
        transformer.Pipeline.Host.RunAsync(m => LoraAdapters.AdapterParameters(m).Select(p => p.Parameter.detach().cpu().data<float>().ToArray()).ToList());

    [Fact]
    public void TheSeedComesFromTheMLContextWhenNotSet()
    {
        var first = Train(new MLContext(seed: 5));
        var second = Train(new MLContext(seed: 5));

        var other = Train(new MLContext(seed: 6));

        // The sampled planner tokens (their count and entropy) follow the seed.
        Assert.Equal(first.Select(m => (m.RolloutTokens, m.Entropy)), second.Select(m => (m.RolloutTokens, m.Entropy)));
        Assert.NotEqual(first.Select(m => (m.RolloutTokens, m.Entropy)), other.Select(m => (m.RolloutTokens, m.Entropy)));

        static IReadOnlyList<FlowGrpoStepMetrics> Train(MLContext ml)
        {
            using var model = ml.AgentFlow().Trainers.FlowGrpo(AgentFlowTestModels.TrainOptions(seed: null)).Fit(AgentFlowTestModels.Questions(ml, 2));
            return model.TrainingHistory;
        }
    }

    [Fact]
    public void FitHonoursCancellationAndRefusesEmptyData()
    {
        var ml = new MLContext(seed: 1);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var estimator = ml.AgentFlow().Trainers.FlowGrpo(AgentFlowTestModels.TrainOptions() with { CancellationToken = cancelled.Token });
        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(AgentFlowTestModels.Questions(ml, 2)));

        var trainer = ml.AgentFlow().Trainers.FlowGrpo(AgentFlowTestModels.TrainOptions());
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<NumberedQuestion>());
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => trainer.Fit(empty)).Message);

        var blank = ml.Data.LoadFromEnumerable(new[] { new NumberedQuestion { Question = "ok?", Answer = "1" }, new NumberedQuestion { Question = "", Answer = "2" } });
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(blank));
        Assert.Contains("Row 1", error.Message);
        Assert.Contains("'Question'", error.Message);

        var lenient = ml.AgentFlow().Trainers.FlowGrpo(AgentFlowTestModels.TrainOptions() with { InvalidQuestions = InvalidQuestionHandling.Skip });
        using var model = lenient.Fit(blank);
        Assert.Equal(1, model.SkippedTrainingRows);
        Assert.Single(model.TrainingHistory);
    }

    [Fact]
    public void TheFlatOverloadSetsTheMainOptions()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.AgentFlow().Trainers.FlowGrpo(AgentFlowTestModels.Source, questionColumnName: "Prompt", answerColumnName: "Gold", numberOfGenerations: 4, numberOfEpochs: 2, learningRate: 1e-4);

        Assert.Equal("Prompt", estimator.Options.QuestionColumnName);
        Assert.Equal("Gold", estimator.Options.AnswerColumnName);
        Assert.Equal(4, estimator.Options.Trainer.NumGenerations);
        Assert.Equal(2, estimator.Options.Trainer.NumTrainEpochs);
        Assert.Equal(1e-4, estimator.Options.Trainer.LearningRate);
        Assert.Throws<ArgumentNullException>(() => ml.AgentFlow().Trainers.FlowGrpo(new FlowGrpoEstimatorOptions()));
    }

    /// <summary>The schema shape of <typeparamref name="T"/>'s columns, through ML.NET's public API only.</summary>
    private static SchemaShape ShapeOf<T>(MLContext ml)
        where T : class, new() =>
        ml.Transforms.CustomMapping<AgentFlowPlaceholderInput, T>((_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));

    private static List<string> PlannerOutputs(MLContext ml, IDataView transformed) =>
        [.. ml.Data.CreateEnumerable<Answered>(transformed, reuseRowObject: false).Select(a => AgentFlow.MLNet.Agent.Trajectories.Trajectory.FromJson(a.Trajectory).Turns[0].Planner.Output)];

    /// <summary>Frozen modules that stop after one turn and answer "odd" and "even" by turns (thread-safe).</summary>
    private sealed class AlternatingClient : Microsoft.Extensions.AI.IChatClient
    {
        private int _calls;

        public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            string prompt = string.Join("\n", messages.Select(m => m.Text));
            string reply = prompt.StartsWith("VERIFY", StringComparison.Ordinal) ? "Conclusion: STOP"
                : Interlocked.Increment(ref _calls) % 2 == 0 ? "<answer>odd</answer>" : "<answer>even</answer>";
            return Task.FromResult(new Microsoft.Extensions.AI.ChatResponse(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, reply)));
        }

        public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class LengthParityScorer : AgentFlow.MLNet.Rewards.IAnswerScorer
    {
        public ValueTask<AgentFlow.MLNet.Rewards.ScoreResult> ScoreAsync(AgentFlow.MLNet.Rewards.ScoringRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new AgentFlow.MLNet.Rewards.ScoreResult(request.Response.Length % 2, request.Response, "length parity"));
    }

    private sealed class SynchronousProgress(Action<FlowGrpoStepMetrics> report) : IProgress<FlowGrpoStepMetrics>
    {
        public void Report(FlowGrpoStepMetrics value) => report(value);
    }

    public sealed class QuestionOnly
    {
        public string Question { get; set; } = "";
    }

    public sealed class NumericQuestion
    {
        public float Question { get; set; }

        public string Answer { get; set; } = "";
    }

    public sealed class VectorQuestion
    {
        [VectorType(2)]
        public string[] Question { get; set; } = [];

        public string Answer { get; set; } = "";
    }
}
