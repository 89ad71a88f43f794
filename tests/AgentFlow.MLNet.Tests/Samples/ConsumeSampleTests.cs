using System.IO.Compression;
using System.Text.RegularExpressions;
using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Tests.Smoke;
using Microsoft.ML;

namespace AgentFlow.MLNet.Tests.Samples;

/// <summary>
/// samples/Consume, run as its own process on a model.zip made as the QuickStart makes it: it must answer as the saved
/// model answers in-process, read questions from the command line or one a line from standard input, and refuse
/// files and questions it cannot serve with one line and a non-zero exit code.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed partial class ConsumeSampleTests(QuickStartModelFixture model) : IClassFixture<QuickStartModelFixture>, IDisposable
{
    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void AnswersQuestionsOnTheCommandLineAsTheSavedModelDoesInProcess()
    {
        var run = Consume(["--model", model.ModelPath, .. model.Questions.Select(q => q.Question)]);

        Assert.True(run.ExitCode == 0, run.Error);
        var answers = AnswerLine().Matches(run.Output);
        Assert.Equal(model.Answers, answers.Select(m => m.Groups["answer"].Value.Replace("(none)", "")));
        Assert.Equal(model.Questions.Select(q => q.Answer), answers.Select(m => m.Groups["gold"].Value));
        Assert.Equal(model.Questions.Select(q => $"Q: {q.Question}"), run.Output.Split('\n').Where(l => l.StartsWith("Q: ", StringComparison.Ordinal)).Select(l => l.TrimEnd('\r')));
        // Each answer comes with its trajectory's summary: the Mini loop runs one or two turns.
        Assert.Equal(2, SummaryLine().Matches(run.Output).Count);
    }

    [Fact]
    public void ReadsOneQuestionALineFromStandardInputAndFindsTheModelInItsDefaultPlace()
    {
        // Where the QuickStart saves it, relative to the folder it runs in: quickstart-output/model.zip.
        Directory.CreateDirectory(_work.File("quickstart-output"));
        File.Copy(model.ModelPath, _work.File(Path.Combine("quickstart-output", "model.zip")));

        var run = Consume([], input: $"{model.Questions[1].Question}\n\n{model.Questions[0].Question}\n");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal([model.Answers[1], model.Answers[0]], AnswerLine().Matches(run.Output).Select(m => m.Groups["answer"].Value.Replace("(none)", "")));
    }

    [Fact]
    public void RefusesAQuestionFromOutsideTheWorldAndSaysWhy()
    {
        var run = Consume(["--model", model.ModelPath, "What is the capital of France?", model.Questions[0].Question]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refused: not a question of the AgentFlow Mini world (seed 1)", run.Output);
        Assert.Single(AnswerLine().Matches(run.Output));   // the other question is still answered
        Assert.Equal("consume: 1 of 2 questions are not of the Mini world (seed 1) and were not answered", run.Error.Trim());
    }

    [Fact]
    public void RefusesFilesThatAreNotTheQuickStartsModelWithOneLine()
    {
        File.WriteAllText(_work.File("text.zip"), "not a zip");
        using (var zip = ZipFile.Open(_work.File("other.zip"), ZipArchiveMode.Create))
            using (var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
                writer.Write("a zip, but no model");
        var ml = new MLContext(seed: 1);
        var data = ml.AgentFlow().Data.LoadFromEnumerable([new AgentFlowQuestion { Question = "What is 2 + 2?", Answer = "4" }]);
        ml.Model.Save(ml.Transforms.CopyColumns("Copy", "Question").Fit(data), data.Schema, _work.File("mlnet.zip"));
        using (var tiny = ml.AgentFlow().Transforms.AgentFlow(AgentFlowModelSource.TinyModel()).Fit(data))
            ml.Model.SaveAgentFlow(tiny, data.Schema, _work.File("default-prompts.zip"));

        var cases = new Dictionary<string, string>
        {
            ["missing.zip"] = "consume: missing.zip: no such file; run samples/QuickStart first",
            ["text.zip"] = "consume: text.zip is not an AgentFlow model saved with SaveAgentFlow: ",
            ["other.zip"] = "consume: other.zip is not an AgentFlow model saved with SaveAgentFlow: ",
            ["mlnet.zip"] = "consume: mlnet.zip is not an AgentFlow model saved with SaveAgentFlow: The file has no 'AgentFlow/manifest.json'",
            ["default-prompts.zip"] = "consume: default-prompts.zip holds an AgentFlow model, but not one the QuickStart saved (its prompts are '" + AgentFlow.MLNet.Agent.Prompts.AgentPrompts.DefaultVersion + "'",
        };
        foreach (var (file, message) in cases)
        {
            var run = Consume(["--model", file, model.Questions[0].Question]);

            Assert.True(run.ExitCode == 1, $"{file}: exit code {run.ExitCode}");
            Assert.Equal("", run.Output);
            Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith(message, run.Error);
        }
    }

    private SampleProcess.Result Consume(string[] arguments, string? input = null) => SampleProcess.Run("Consume", _work.Path, arguments, input);

    [GeneratedRegex(@"^A: (?<answer>.*)  \(gold (?<gold>[^:]+): (right|wrong)\)\r?$", RegexOptions.Multiline)]
    private static partial Regex AnswerLine();

    [GeneratedRegex(@"^   [12] turns?, tools: .+; (stopped: .+|failed: .+); \d+ ms\r?$", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
