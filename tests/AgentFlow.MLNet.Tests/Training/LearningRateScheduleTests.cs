using AgentFlow.MLNet.Training;

namespace AgentFlow.MLNet.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void WarmupRisesLinearlyFromTheFirstStepThenStaysConstant()
    {
        var options = new FlowGrpoOptions { WarmupSteps = 3 };
        double[] rates = Enumerable.Range(0, 6).Select(s => LearningRateSchedule.At(s, 10, 1e-6, options)).ToArray();
        Assert.Equal([0.25e-6, 0.5e-6, 0.75e-6, 1e-6, 1e-6, 1e-6], rates.Select(r => Math.Round(r, 15)).ToArray());
    }

    [Fact]
    public void CosineFallsFromThePeakToTheFloorAtTheLastStep()
    {
        var options = new FlowGrpoOptions { WarmupSteps = 1, LrScheduler = LearningRateScheduler.Cosine, MinLearningRateRatio = 0.1 };

        Assert.Equal(0.5, LearningRateSchedule.At(0, 5, 1.0, options), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(1, 5, 1.0, options), 12);
        // Steps 1..4 span the half cosine: progress 1/3 at step 2.
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI / 3)), LearningRateSchedule.At(2, 5, 1.0, options), 12);
        Assert.Equal(0.1, LearningRateSchedule.At(4, 5, 1.0, options), 12);
        Assert.Equal(0.1, LearningRateSchedule.At(9, 5, 1.0, options), 12);
    }
}
