using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.Tests.Smoke;

/// <summary>Proves ML.NET's pipeline machinery works in this build (estimators, IDataView, predictions).</summary>
public sealed class MLContextSmokeTests
{
    private sealed class Review
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    private sealed class Verdict
    {
        [ColumnName("PredictedLabel")]
        public bool Positive { get; set; }
    }

    [Fact]
    public void ATextClassificationPipelineTrainsAndPredicts()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 40).Select(i => i % 2 == 0
            ? new Review { Text = $"great wonderful answer number {i}", Label = true }
            : new Review { Text = $"wrong terrible answer number {i}", Label = false });
        var data = ml.Data.LoadFromEnumerable(rows);

        var pipeline = ml.Transforms.Text.FeaturizeText("Features", nameof(Review.Text))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 50));
        var model = pipeline.Fit(data);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(data));
        var engine = ml.Model.CreatePredictionEngine<Review, Verdict>(model);

        Assert.Equal(1.0, metrics.Accuracy);
        Assert.True(engine.Predict(new Review { Text = "a great answer" }).Positive);
        Assert.False(engine.Predict(new Review { Text = "a terrible answer" }).Positive);
    }
}
