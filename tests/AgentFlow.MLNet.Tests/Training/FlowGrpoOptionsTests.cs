using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Training;

public sealed class FlowGrpoOptionsTests
{
    [Fact]
    public void DefaultsAreTheReferenceRunsAndValidate()
    {
        var options = new FlowGrpoOptions();
        options.Validate();

        Assert.Equal((32, 8, 3), (options.BatchSize, options.NumGenerations, options.MaxTurns));
        Assert.Equal((0.001, 0.2, 0.3, 3.0), (options.Beta, options.Epsilon, options.EpsilonHigh, options.DualClip!.Value));
        Assert.Equal((0.7, 0.99, 1.2), (options.Temperature, options.TopP, options.FrequencyPenalty));
        Assert.Equal((0.01, 1.0, 1), (options.WeightDecay, options.MaxGradNorm, options.PpoEpochs));
        Assert.Equal(LossAggregation.TokenMean, options.LossAggregation);
        Assert.Equal(AdvantageGrouping.Trajectory, options.AdvantageGrouping);
        Assert.Equal(1e-6, options.LearningRateFor(lora: false));
        Assert.Equal(1e-5, options.LearningRateFor(lora: true));
        Assert.Equal(3e-4, (options with { LearningRate = 3e-4 }).LearningRateFor(lora: true));
    }

    [Theory]
    [InlineData(nameof(FlowGrpoOptions.NumGenerations))]
    [InlineData(nameof(FlowGrpoOptions.Epsilon))]
    [InlineData(nameof(FlowGrpoOptions.DualClip))]
    [InlineData(nameof(FlowGrpoOptions.Beta))]
    [InlineData(nameof(FlowGrpoOptions.LossAggregation))]
    [InlineData(nameof(FlowGrpoOptions.MiniBatchSize))]
    [InlineData(nameof(FlowGrpoOptions.MaxGradNorm))]
    [InlineData(nameof(FlowGrpoOptions.TopP))]
    public void ValidateNamesTheBadOption(string name)
    {
        var bad = name switch
        {
            nameof(FlowGrpoOptions.NumGenerations) => new FlowGrpoOptions { NumGenerations = 1 },   // a group of one has no baseline
            nameof(FlowGrpoOptions.Epsilon) => new FlowGrpoOptions { Epsilon = 1.5 },
            nameof(FlowGrpoOptions.DualClip) => new FlowGrpoOptions { DualClip = 0.5 },
            nameof(FlowGrpoOptions.Beta) => new FlowGrpoOptions { Beta = double.NaN },
            nameof(FlowGrpoOptions.LossAggregation) => new FlowGrpoOptions { LossAggregation = (LossAggregation)42 },
            nameof(FlowGrpoOptions.MiniBatchSize) => new FlowGrpoOptions { MiniBatchSize = -1 },
            nameof(FlowGrpoOptions.MaxGradNorm) => new FlowGrpoOptions { MaxGradNorm = 0 },
            _ => new FlowGrpoOptions { TopP = 0 },
        };

        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(bad.Validate).ParamName);
    }
}
