using System.Diagnostics;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.MLNet;
using AgentFlow.MLNet.Tests.Smoke;
using Microsoft.ML;
using Xunit.Abstractions;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// 10,000 questions stream through <c>Transform</c> from a lazily generated input with memory that does not grow
/// with the rows: what the cursor holds is one read-ahead batch, not the rows behind it.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TransformAtScaleTests(ITestOutputHelper output)
{
    private const int Rows = 10_000;
    private const int WarmUpRows = 1_000;

    [Fact]
    [Trait("Category", "Long")]
    public void TenThousandQuestionsStreamThroughTransformInBoundedMemory()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        var mlContext = new MLContext(seed: 1);
        // A lazy source: LoadFromEnumerable keeps the enumerable and walks it with each cursor, so no row exists before
        // it is read; the highest row made so far shows how far the cursor has read ahead.
        int made = -1;
        var questions = mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(i =>
        {
            made = Math.Max(made, i);
            return new NumberedQuestion { Id = i, Question = $"what is {i} plus {i % 7}?", Answer = "" };
        }));
        var options = AgentFlowTestModels.TransformOptions() with { BatchSize = new AgentFlowTransformOptions().BatchSize };   // the default read-ahead
        using var model = mlContext.AgentFlow().Transforms.AgentFlow(AgentFlowTestModels.Source, options).Fit(questions);
        int readAhead = 0;
        var transformed = model.Transform(questions);
        var answer = transformed.Schema[AgentFlowColumns.PredictedAnswer];
        var trajectory = transformed.Schema[AgentFlowColumns.Trajectory];
        var id = transformed.Schema[nameof(NumberedQuestion.Id)];

        long rows = 0, trajectoryChars = 0, managedAfterWarmUp = 0, workingSetAfterWarmUp = 0;
        var clock = Stopwatch.StartNew();
        using (var cursor = transformed.GetRowCursor([answer, trajectory, id]))
        {
            var answerGetter = cursor.GetGetter<ReadOnlyMemory<char>>(answer);
            var trajectoryGetter = cursor.GetGetter<ReadOnlyMemory<char>>(trajectory);
            var idGetter = cursor.GetGetter<int>(id);
            ReadOnlyMemory<char> text = default;
            int value = 0;
            while (cursor.MoveNext())
            {
                idGetter(ref value);
                Assert.Equal(rows, value);
                answerGetter(ref text);
                trajectoryGetter(ref text);
                Assert.False(text.IsEmpty);
                trajectoryChars += text.Length;
                readAhead = Math.Max(readAhead, made - value);
                rows++;
                if (rows == WarmUpRows)
                    (managedAfterWarmUp, workingSetAfterWarmUp) = Measure();
            }
        }
        var (managedAtEnd, workingSetAtEnd) = Measure();
        double managedGrowth = (managedAtEnd - managedAfterWarmUp) / 1048576.0;
        double workingSetGrowth = (workingSetAtEnd - workingSetAfterWarmUp) / 1048576.0;
        double outputMiB = trajectoryChars * 2 / 1048576.0 * (Rows - WarmUpRows) / Rows;
        output.WriteLine($"{rows} rows in {clock.Elapsed.TotalSeconds:F1} s; managed heap {managedAfterWarmUp / 1048576.0:F1} -> {managedAtEnd / 1048576.0:F1} MiB, " +
            $"working set {workingSetAfterWarmUp / 1048576.0:F0} -> {workingSetAtEnd / 1048576.0:F0} MiB; the rows after warm-up produced {outputMiB:F1} MiB of trajectory text");

        Assert.Equal(Rows, rows);
        Assert.InRange(readAhead, 1, options.BatchSize);
        // Keeping the rows behind the cursor would keep at least their trajectory text, several times this bound.
        Assert.True(outputMiB > 3 * 4, $"the check needs outputs much larger than its bound ({outputMiB:F1} MiB)");
        Assert.True(managedGrowth < 4, $"the managed heap grew {managedGrowth:F1} MiB over {Rows - WarmUpRows} rows");
        Assert.True(workingSetGrowth < 64, $"the working set grew {workingSetGrowth:F0} MiB over {Rows - WarmUpRows} rows");
    }

    private static (long Managed, long WorkingSet) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}
