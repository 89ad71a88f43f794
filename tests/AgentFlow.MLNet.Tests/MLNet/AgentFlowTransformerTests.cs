using AgentFlow.MLNet.Agent.Trajectories;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.Tests.MLNet;

/// <summary>
/// The transformer's ML.NET contract: lazy, input columns pass through aligned with their rows, batched cursors give
/// what a row-by-row PredictionEngine gives, chains, cursor sets and several threads.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class AgentFlowTransformerTests
{
    public AgentFlowTransformerTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    [Fact]
    public void TransformIsLazyAndSolvesOnlyWhenAnAddedColumnIsRead()
    {
        var ml = new MLContext(seed: 1);
        var data = AgentFlowTestModels.Questions(ml, 5);
        using var model = AgentFlowTestModels.Untrained(ml, data);
        var host = model.Pipeline.Host;

        var transformed = model.Transform(data);
        Assert.Equal(0, host.Statistics.Requests);

        // Reading only an input column goes straight through: still nothing solved.
        var ids = ml.Data.CreateEnumerable<NumberedQuestion>(ml.Transforms.SelectColumns("Id", "Question", "Answer").Fit(transformed).Transform(transformed), reuseRowObject: false).Select(r => r.Id).ToList();
        Assert.Equal([0, 1, 2, 3, 4], ids);
        Assert.Equal(0, host.Statistics.Requests);

        Assert.Equal(5, AgentFlowTestModels.Answers(ml, transformed).Count);
        Assert.True(host.Statistics.Requests > 0);
    }

    [Fact]
    public void BatchedCursorsMatchTheRowByRowPredictionEngineAndKeepRowsAligned()
    {
        var ml = new MLContext(seed: 1);
        var data = AgentFlowTestModels.Questions(ml, 7);
        using var model = AgentFlowTestModels.Untrained(ml, data, batchSize: 3);

        var batched = ml.Data.CreateEnumerable<Answered>(model.Transform(data), reuseRowObject: false).ToList();

        using var engine = ml.Model.CreatePredictionEngine<NumberedQuestion, Answered>(model, new PredictionEngineOptions { OwnsTransformer = false });
        var questions = ml.Data.CreateEnumerable<NumberedQuestion>(data, reuseRowObject: false).ToList();
        var single = questions.Select(q => engine.Predict(q)).ToList();

        Assert.Equal(questions.Select(q => q.Id), batched.Select(b => b.Id));
        Assert.Equal(questions.Select(q => q.Question), batched.Select(b => b.Question));
        Assert.Equal(single.Select(s => s.PredictedAnswer), batched.Select(b => b.PredictedAnswer));
        // Each row's trajectory is its own question's.
        Assert.All(batched, b => Assert.Equal(b.Question, Trajectory.FromJson(b.Trajectory).Question));
        Assert.All(batched, b => Assert.Equal(Trajectory.FromJson(b.Trajectory).Turns.Count, b.Turns));
    }

    [Fact]
    public void TheOutputSchemaIsTheInputPlusTheAddedColumnsAndRewardOnlyWithALabel()
    {
        var ml = new MLContext(seed: 1);
        var data = AgentFlowTestModels.Questions(ml, 2);
        using var plain = AgentFlowTestModels.Untrained(ml, data);
        using var scored = AgentFlowTestModels.Untrained(ml, data, label: "Answer");

        var schema = plain.GetOutputSchema(data.Schema);
        Assert.Equal(["Id", "Question", "Answer", "PredictedAnswer", "Trajectory", "Turns", "ToolCalls", "ToolErrors", "LatencyMs"], schema.Select(c => c.Name));
        Assert.Equal(TextDataViewType.Instance, schema["PredictedAnswer"].Type);
        Assert.Equal(NumberDataViewType.Int32, schema["Turns"].Type);
        var transformed = plain.Transform(data);
        using (var cursor = transformed.GetRowCursor(transformed.Schema))
            Assert.Same(transformed.Schema, cursor.Schema);
        Assert.Equal(NumberDataViewType.Single, scored.GetOutputSchema(data.Schema)["Reward"].Type);

        var rewards = ml.Data.CreateEnumerable<Rewarded>(scored.Transform(data), reuseRowObject: false).ToList();
        Assert.All(rewards, r => Assert.Equal(r.PredictedAnswer == r.Answer ? 1f : 0f, r.Reward));
    }

    [Fact]
    public async Task ItWorksInAChainAfterAnOrdinaryTransformAndFromSeveralThreads()
    {
        var ml = new MLContext(seed: 1);
        var prompts = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(i => new Prompted { Prompt = $"question number {i}?" }));
        var pipeline = ml.Transforms.CopyColumns("Question", "Prompt")
            .Append(ml.AgentFlow().Transforms.AgentFlow(AgentFlowTestModels.Source, AgentFlowTestModels.TransformOptions(batchSize: 4)));
        using var chain = pipeline.Fit(prompts);

        var expected = AgentFlowTestModels.Answers(ml, chain.Transform(prompts));
        var parallel = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => AgentFlowTestModels.Answers(ml, chain.Transform(prompts)))));
        Assert.All(parallel, answers => Assert.Equal(expected, answers));

        var transformed = chain.Transform(prompts);
        var cursors = transformed.GetRowCursorSet(transformed.Schema, 2);
        var fromSet = new List<string>();
        foreach (var cursor in cursors)
        {
            using (cursor)
            {
                var answer = cursor.GetGetter<ReadOnlyMemory<char>>(transformed.Schema["PredictedAnswer"]);
                ReadOnlyMemory<char> value = default;
                while (cursor.MoveNext())
                {
                    answer(ref value);
                    fromSet.Add(value.ToString());
                }
            }
        }
        Assert.Equal(expected.Order(), fromSet.Order());
    }

    [Fact]
    public void EmptyQuestionsThrowNamingTheRowOrAreKeptEmptyAndCounted()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new NumberedQuestion { Id = 0, Question = "a?" }, new NumberedQuestion { Id = 1, Question = "  " } });
        using var strict = AgentFlowTestModels.Untrained(ml, data);
        var error = Assert.Throws<InvalidOperationException>(() => AgentFlowTestModels.Answers(ml, strict.Transform(data)));
        Assert.Contains("Row 1", error.Message);
        Assert.Contains("'Question'", error.Message);

        using var lenient = ml.AgentFlow().Transforms.AgentFlow(AgentFlowTestModels.Source, AgentFlowTestModels.TransformOptions() with { InvalidQuestions = InvalidQuestionHandling.Skip }).Fit(data);
        var rows = ml.Data.CreateEnumerable<Answered>(lenient.Transform(data), reuseRowObject: false).ToList();
        Assert.Equal("", rows[1].PredictedAnswer);
        Assert.Equal(0, rows[1].Turns);
        Assert.Equal(1, lenient.SkippedQuestions);
    }

    [Fact]
    public void ACancelledTokenStopsTheCursorAtItsNextBatch()
    {
        var ml = new MLContext(seed: 1);
        var data = AgentFlowTestModels.Questions(ml, 6);
        using var cancellation = new CancellationTokenSource();
        using var model = ml.AgentFlow().Transforms.AgentFlow(AgentFlowTestModels.Source, AgentFlowTestModels.TransformOptions(batchSize: 2) with { CancellationToken = cancellation.Token }).Fit(data);
        var transformed = model.Transform(data);

        using var cursor = transformed.GetRowCursor(transformed.Schema);
        Assert.True(cursor.MoveNext());
        Assert.True(cursor.MoveNext());   // the first batch of two was solved before the cancellation
        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => cursor.MoveNext());
        Assert.Equal(2, model.Pipeline.Host.Statistics.Requests / 2);   // two calls a row, for the first two rows only
    }

    public sealed class Prompted
    {
        public string Prompt { get; set; } = "";
    }

    public sealed class Rewarded
    {
        public string Answer { get; set; } = "";

        public string PredictedAnswer { get; set; } = "";

        public float Reward { get; set; }
    }
}
