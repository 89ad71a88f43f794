using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// Saving and loading models that hold AgentFlow stages: <c>mlContext.Model.SaveAgentFlow</c> and
/// <c>mlContext.Model.LoadAgentFlow</c>.
/// </summary>
/// <remarks>
/// Why this route: a transformer can only be put into <c>mlContext.Model.Save</c>'s zip through
/// <c>ICanSaveModel.Save(ModelSaveContext)</c>, and every writer on <c>ModelSaveContext</c> (and the
/// <c>LoadableClass</c> registration a loader needs) is internal to ML.NET, so a third-party transformer cannot store
/// weights there. The one public, loadable third-party stage is a custom mapping with a registered factory, which
/// saves only its contract name (and assembly). So the file is written in two steps: ML.NET saves the chain with each
/// AgentFlow stage replaced by such a placeholder (<see cref="AgentFlowPlaceholderFactory"/>), then the AgentFlow
/// entries are added to the same zip under <c>AgentFlow/</c>. ML.NET ignores entries it does not know, so the file
/// stays a valid ML.NET model; <see cref="LoadAgentFlow"/> loads it with ML.NET and swaps each placeholder back for
/// the stage rebuilt from its entries.
/// </remarks>
public static class AgentFlowModelOperations
{
    /// <summary>
    /// Saves <paramref name="model"/> (an <see cref="AgentFlowTransformer"/>, or any chain holding some) to
    /// <paramref name="filePath"/> as an ML.NET model zip carrying each AgentFlow stage's weights, adapters, tokenizer,
    /// options, prompts and tool names.
    /// </summary>
    /// <param name="catalog"><c>mlContext.Model</c>.</param>
    /// <param name="model">The model to save.</param>
    /// <param name="inputSchema">The schema of the data the model is applied to (as for <c>Model.Save</c>); may be null.</param>
    /// <param name="filePath">The file to write (replaced if present).</param>
    public static void SaveAgentFlow(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        var mlContext = new MLContext();
        var stages = new List<AgentFlowTransformer>();
        var savable = WithPlaceholders(mlContext, model, stages);

        string mlnetPart = filePath + ".mlnet-" + Guid.NewGuid().ToString("N");
        string temporary = filePath + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            catalog.Save(savable, inputSchema, mlnetPart);
            // A new archive in Create mode, not ML.NET's in Update mode: Update buffers every entry in memory, which
            // caps an entry at 2 GiB and doubles the RAM a save needs. ML.NET's entries are copied over as streams.
            using (var zip = ZipFile.Open(temporary, ZipArchiveMode.Create))
            {
                using (var ordinary = ZipFile.OpenRead(mlnetPart))
                {
                    foreach (var entry in ordinary.Entries)
                    {
                        using var source = entry.Open();
                        using var target = zip.CreateEntry(entry.FullName, CompressionLevel.Fastest).Open();
                        source.CopyTo(target);
                    }
                }
                for (int i = 0; i < stages.Count; i++)
                    AgentFlowStageStore.Write(zip, i, stages[i]);
                var index = new JsonObject { ["format_version"] = AgentFlowStageManifest.CurrentFormatVersion, ["stages"] = stages.Count };
                AgentFlowStageStore.AddText(zip, AgentFlowStageStore.IndexEntry, index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            File.Move(temporary, filePath, overwrite: true);
        }
        finally
        {
            if (File.Exists(mlnetPart))
                File.Delete(mlnetPart);
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>
    /// Loads a model saved by <see cref="SaveAgentFlow"/>: ML.NET loads the ordinary stages, and each AgentFlow stage is
    /// rebuilt from the file's entries (it owns its model: dispose the returned model to free it).
    /// </summary>
    /// <param name="catalog"><c>mlContext.Model</c>.</param>
    /// <param name="filePath">The model file.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    /// <param name="options">Tools, scorer and clients the file cannot hold. Default <see cref="AgentFlowLoadOptions"/>.</param>
    /// <exception cref="InvalidDataException">The file's AgentFlow entries are missing or do not match its stages.</exception>
    public static ITransformer LoadAgentFlow(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema, AgentFlowLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        options ??= new AgentFlowLoadOptions();
        var loaded = catalog.Load(filePath, out inputSchema);
        using var zip = ZipFile.OpenRead(filePath);
        int count = StageCount(zip);
        var stages = new List<AgentFlowTransformer>();
        try
        {
            var model = WithStages(loaded, zip, options, stages);
            if (stages.Count != count)
                throw new InvalidDataException($"'{filePath}' declares {count} AgentFlow stages but its ML.NET chain holds {stages.Count} placeholders.");
            return model;
        }
        catch
        {
            foreach (var stage in stages)
                stage.Dispose();
            throw;
        }
    }

    private static int StageCount(ZipArchive zip)
    {
        var entry = zip.GetEntry(AgentFlowStageStore.IndexEntry)
            ?? throw new InvalidDataException($"The file has no '{AgentFlowStageStore.IndexEntry}': it was not written by SaveAgentFlow.");
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        var index = JsonNode.Parse(reader.ReadToEnd()) as JsonObject ?? throw new InvalidDataException($"'{entry.FullName}' is not a JSON object.");
        int version = index["format_version"]?.GetValue<int>() ?? 0;
        if (version > AgentFlowStageManifest.CurrentFormatVersion)
            throw new InvalidDataException($"The file has AgentFlow format version {version}; this library reads up to {AgentFlowStageManifest.CurrentFormatVersion}. Update AgentFlow.MLNet.");
        return index["stages"]?.GetValue<int>() ?? throw new InvalidDataException($"'{entry.FullName}' has no stage count.");
    }

    /// <summary>The model with every AgentFlow stage (in chains, depth first) replaced by a placeholder, collected in order.</summary>
    private static ITransformer WithPlaceholders(MLContext mlContext, ITransformer model, List<AgentFlowTransformer> stages)
    {
        if (model is AgentFlowTransformer stage)
        {
            stage.Pipeline.ThrowIfDisposed();
            stages.Add(stage);
            return Placeholder(mlContext, scored: stage.Options.LabelColumnName is not null);
        }
        if (AsChain(model) is { } chain)
            return new TransformerChain<ITransformer>([.. chain.Select(t => WithPlaceholders(mlContext, t, stages))]);
        return model;
    }

    /// <summary>The loaded model with every placeholder (in chains, depth first) replaced by its rebuilt stage.</summary>
    private static ITransformer WithStages(ITransformer model, ZipArchive zip, AgentFlowLoadOptions options, List<AgentFlowTransformer> stages)
    {
        if (AgentFlowPlaceholders.IsPlaceholder(model))
        {
            var stage = AgentFlowStageStore.Read(zip, stages.Count, options);
            stages.Add(stage);
            return stage;
        }
        if (AsChain(model) is { } chain)
            return new TransformerChain<ITransformer>([.. chain.Select(t => WithStages(t, zip, options, stages))]);
        return model;
    }

    private static IEnumerable<ITransformer>? AsChain(ITransformer model) =>
        model.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(TransformerChain<>)
            ? (IEnumerable<ITransformer>)model
            : null;

    private static ITransformer Placeholder(MLContext mlContext, bool scored)
    {
        var empty = mlContext.Data.LoadFromEnumerable(Array.Empty<AgentFlowPlaceholderInput>());
        return scored
            ? mlContext.Transforms.CustomMapping(new AgentFlowScoredPlaceholderFactory().GetMapping(), AgentFlowScoredPlaceholderFactory.ContractName).Fit(empty)
            : mlContext.Transforms.CustomMapping(new AgentFlowPlaceholderFactory().GetMapping(), AgentFlowPlaceholderFactory.ContractName).Fit(empty);
    }
}
