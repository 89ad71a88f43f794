using AgentFlow.MLNet.MLNet;
using Microsoft.ML;

namespace AgentFlow.MLNet.Tests.MLNet;

/// <summary>Evaluate against hand-computed metrics, and the question/answer loaders.</summary>
public sealed class AgentFlowEvaluateAndDataTests
{
    [Fact]
    public void EvaluateSumsUpScoredRowsAsComputedByHand()
    {
        var ml = new MLContext(seed: 1);
        var scored = ml.Data.LoadFromEnumerable(new[]
        {
            new ScoredRow { Answer = "4", PredictedAnswer = "4", Source = "math", Turns = 2, ToolCalls = 2, ToolErrors = 1, LatencyMs = 10 },
            new ScoredRow { Answer = "Paris", PredictedAnswer = "paris", Source = "qa", Turns = 1, ToolCalls = 1, ToolErrors = 0, LatencyMs = 20 },
            new ScoredRow { Answer = "7", PredictedAnswer = "8", Source = "math", Turns = 3, ToolCalls = 1, ToolErrors = 1, LatencyMs = 30 },
            new ScoredRow { Answer = "x", PredictedAnswer = "", Source = "qa", Turns = 0, ToolCalls = 0, ToolErrors = 0, LatencyMs = 40 },
        });

        var metrics = ml.AgentFlow().Evaluate(scored, sourceColumnName: "Source");

        Assert.Equal(4, metrics.Count);
        Assert.Equal(0.5, metrics.Accuracy);   // "4" and "paris" (exact match ignores case)
        Assert.Equal(0.5, metrics.PerSourceAccuracy["math"]);
        Assert.Equal(0.5, metrics.PerSourceAccuracy["qa"]);
        Assert.Equal(1.5, metrics.MeanTurns);
        Assert.Equal(2 / 4.0, metrics.ToolCallErrorRate);
        Assert.Equal(25, metrics.MeanLatencyMs);

        var unscored = ml.Data.LoadFromEnumerable(new[] { new NumberedQuestion { Question = "q", Answer = "a" } });
        Assert.Contains("'PredictedAnswer'", Assert.Throws<ArgumentOutOfRangeException>(() => ml.AgentFlow().Evaluate(unscored)).Message);
    }

    [Fact]
    public void JsonLinesCsvAndTsvLoadIntoTheQuestionColumns()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        File.WriteAllLines(folder.File("qa.jsonl"), ["""{"question": "2+2?", "answer": 4, "source": "math"}""", "", """{"question": "capital of France?", "answer": ["Paris", "paris"]}"""]);
        File.WriteAllLines(folder.File("qa.csv"), ["question,answer,source", "\"2+2, please?\",4,math", "capital of France?,Paris,qa"]);
        File.WriteAllLines(folder.File("qa.tsv"), ["2+2?\t4\tmath"]);

        Assert.Equal([("2+2?", "4", "math"), ("capital of France?", "Paris", "")], Rows(ml, ml.AgentFlow().Data.LoadFromJsonLines(folder.File("qa.jsonl"))));
        Assert.Equal([("2+2, please?", "4", "math"), ("capital of France?", "Paris", "qa")], Rows(ml, ml.AgentFlow().Data.LoadFromTextFile(folder.File("qa.csv"))));
        Assert.Equal([("2+2?", "4", "math")], Rows(ml, ml.AgentFlow().Data.LoadFromTextFile(folder.File("qa.tsv"), '\t', hasHeader: false)));
    }

    [Fact]
    public void EmptyAndMalformedDataGiveClearErrors()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        File.WriteAllText(folder.File("empty.jsonl"), "\n\n");
        File.WriteAllLines(folder.File("bad.jsonl"), ["""{"question": "a", "answer": "b"}""", """{"answer": "b"}"""]);
        File.WriteAllLines(folder.File("header.csv"), ["question,answer"]);

        Assert.Contains("no rows", Assert.Throws<InvalidDataException>(() => ml.AgentFlow().Data.LoadFromJsonLines(folder.File("empty.jsonl"))).Message);
        var missing = Assert.Throws<InvalidDataException>(() => ml.AgentFlow().Data.LoadFromJsonLines(folder.File("bad.jsonl")));
        Assert.Contains("line 2", missing.Message);
        Assert.Contains("\"question\"", missing.Message);
        Assert.Contains("no rows", Assert.Throws<InvalidDataException>(() => ml.AgentFlow().Data.LoadFromTextFile(folder.File("header.csv"))).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => ml.AgentFlow().Data.LoadFromEnumerable([])).Message);
    }

    [Fact]
    public void AShippedBenchmarkLoadsWithItsNameAsTheSource()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(ml, ml.AgentFlow().Data.LoadBenchmark("bamboogle"));
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal("bamboogle", r.Source));
        Assert.Equal("james madison", rows[0].Answer);
    }

    private static List<(string Question, string Answer, string Source)> Rows(MLContext ml, IDataView data) =>
        [.. ml.Data.CreateEnumerable<AgentFlowQuestion>(data, reuseRowObject: false).Select(r => (r.Question, r.Answer, r.Source ?? ""))];

    public sealed class ScoredRow
    {
        public string Answer { get; set; } = "";

        public string PredictedAnswer { get; set; } = "";

        public string Source { get; set; } = "";

        public int Turns { get; set; }

        public int ToolCalls { get; set; }

        public int ToolErrors { get; set; }

        public double LatencyMs { get; set; }
    }
}
