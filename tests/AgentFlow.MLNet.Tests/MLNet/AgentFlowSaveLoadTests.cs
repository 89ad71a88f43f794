using AgentFlow.MLNet.MLNet;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using Microsoft.ML;

namespace AgentFlow.MLNet.Tests.MLNet;

/// <summary>SaveAgentFlow / LoadAgentFlow round trips, and what plain Model.Save and Model.Load do with our stage.</summary>
[Collection(TorchCollection.Name)]
public sealed class AgentFlowSaveLoadTests
{
    public AgentFlowSaveLoadTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    [Fact]
    public void AChainWithAPrecedingTransformRoundTripsWithIdenticalGreedyAnswers()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        var prompts = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(i => new AgentFlowTransformerTests.Prompted { Prompt = $"question {i}?" }));
        using var chain = ml.Transforms.CopyColumns("Question", "Prompt")
            .Append(ml.AgentFlow().Transforms.AgentFlow(AgentFlowTestModels.Source, AgentFlowTestModels.TransformOptions()))
            .Fit(prompts);
        var before = AgentFlowTestModels.Answers(ml, chain.Transform(prompts));

        string path = folder.File("model.zip");
        ml.Model.SaveAgentFlow(chain, prompts.Schema, path);

        var fresh = new MLContext(seed: 2);
        var loaded = fresh.Model.LoadAgentFlow(path, out var schema);
        try
        {
            Assert.Equal(["Prompt"], schema.Select(c => c.Name));
            var data = fresh.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(i => new AgentFlowTransformerTests.Prompted { Prompt = $"question {i}?" }));
            Assert.Equal(before, AgentFlowTestModels.Answers(fresh, loaded.Transform(data)));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void PlainModelSaveThrowsNamingSaveAgentFlow()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        var data = AgentFlowTestModels.Questions(ml, 1);
        using var model = AgentFlowTestModels.Untrained(ml, data);

        var error = Assert.ThrowsAny<Exception>(() => ml.Model.Save(model, data.Schema, folder.File("plain.zip")));
        var notSupported = Assert.IsType<NotSupportedException>(error is NotSupportedException ? error : error.InnerException);
        Assert.Contains("SaveAgentFlow", notSupported.Message);
    }

    [Fact]
    public void PlainModelLoadOpensTheFileAndThePlaceholderFailsOnTheFirstRowNamingLoadAgentFlow()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 1);
        var data = AgentFlowTestModels.Questions(ml, 2);
        using (var model = AgentFlowTestModels.Untrained(ml, data))
            ml.Model.SaveAgentFlow(model, data.Schema, folder.File("model.zip"));

        var fresh = new MLContext();
        var otherTools = new AgentFlow.MLNet.Tools.ToolRegistry([new Tools.DelegateTool("alpha", (_, _) => ValueTask.FromResult(AgentFlow.MLNet.Tools.ToolResult.Success("a")))]);
        var toolError = Assert.Throws<InvalidOperationException>(() => fresh.Model.LoadAgentFlow(folder.File("model.zip"), out _, new AgentFlowLoadOptions { Tools = otherTools }));
        Assert.Contains("calculator", toolError.Message);

        var loaded = fresh.Model.Load(folder.File("model.zip"), out var schema);
        Assert.Equal(["Id", "Question", "Answer"], schema.Select(c => c.Name));
        var transformed = loaded.Transform(data);
        Assert.Contains(transformed.Schema, c => c.Name == "PredictedAnswer");

        var error = Assert.ThrowsAny<Exception>(() => AgentFlowTestModels.Answers(fresh, transformed));
        // ML.NET may wrap it (its parallel cursors report a worker's exception as their inner one).
        var causes = new List<Exception>();
        for (var cause = error; cause is not null; cause = cause.InnerException)
            causes.Add(cause);
        Assert.Contains(causes, cause => cause is InvalidOperationException && cause.Message.Contains("LoadAgentFlow", StringComparison.Ordinal));
    }
}
