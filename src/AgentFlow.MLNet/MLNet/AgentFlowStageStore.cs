using System.IO.Compression;
using System.Text;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Lora;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// Writes one AgentFlow stage into a model zip and reads it back. Layout under <c>AgentFlow/stage-{k}/</c>:
/// <c>stage.json</c> (the manifest), <c>model/</c> (a Hugging Face folder of the base weights: config.json,
/// model.safetensors, tokenizer files, generation_config.json) and, for a LoRA planner, <c>adapters/</c> (PEFT's
/// adapter_config.json and adapter_model.safetensors).
/// </summary>
internal static class AgentFlowStageStore
{
    internal const string Root = "AgentFlow/";
    internal const string IndexEntry = Root + "manifest.json";

    internal static string StagePrefix(int stage) => $"{Root}stage-{stage}/";

    /// <summary>Adds <paramref name="transformer"/>'s stage to <paramref name="zip"/>; the weights are read on the model host.</summary>
    internal static void Write(ZipArchive zip, int stage, AgentFlowTransformer transformer)
    {
        var pipeline = transformer.Pipeline;
        pipeline.ThrowIfDisposed();
        string folder = Directory.CreateTempSubdirectory("agentflow-save-").FullName;
        try
        {
            bool lora = pipeline.Host.RunAsync(model => WriteModel(model, pipeline.Model, folder), ModelAccess.Read).GetAwaiter().GetResult();
            string prefix = StagePrefix(stage);
            AddText(zip, prefix + "stage.json", AgentFlowStageManifest.From(pipeline, lora).ToJson());
            foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                zip.CreateEntryFromFile(file, prefix + Path.GetRelativePath(folder, file).Replace('\\', '/'), CompressionLevel.Fastest);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Rebuilds stage <paramref name="stage"/> of <paramref name="zip"/> as a transformer that owns its model.</summary>
    internal static AgentFlowTransformer Read(ZipArchive zip, int stage, AgentFlowLoadOptions load)
    {
        string prefix = StagePrefix(stage);
        var manifestEntry = zip.GetEntry(prefix + "stage.json") ?? throw new InvalidDataException($"The model file has no '{prefix}stage.json'.");
        string manifestJson;
        using (var reader = new StreamReader(manifestEntry.Open(), Encoding.UTF8))
            manifestJson = reader.ReadToEnd();
        var manifest = AgentFlowStageManifest.FromJson(manifestJson, manifestEntry.FullName);
        if (manifest.FrozenModules == "external" && load.FrozenModules is null)
            throw new InvalidOperationException($"Stage {stage} was saved with external frozen modules (an IChatClient); pass it again in AgentFlowLoadOptions.FrozenModules.");
        var options = manifest.ToOptions(load);
        var tools = options.Tools ?? AgentFlowPipeline.DefaultTools();
        var missing = manifest.Tools.Where(name => !tools.TryGet(name, out _)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"Stage {stage} uses the tools [{string.Join(", ", missing)}], which the given registry lacks; pass them in AgentFlowLoadOptions.Tools.");

        string folder = Directory.CreateTempSubdirectory("agentflow-load-").FullName;
        LocalModel? local = null;
        try
        {
            foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith(prefix, StringComparison.Ordinal) && e.Name.Length > 0))
            {
                string target = Path.GetFullPath(Path.Combine(folder, entry.FullName[prefix.Length..]));
                if (!target.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    throw new InvalidDataException($"Model file entry '{entry.FullName}' points outside its stage.");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                entry.ExtractToFile(target);
            }
            local = LocalModel.Load(Path.Combine(folder, "model"), load.Device is null ? null : new ModelLoadOptions { Device = load.Device });
            if (manifest.Planner == "lora")
                LoraCheckpoint.Load(local.Model, Path.Combine(folder, "adapters"));
            var host = new ModelHost(local, ownsModel: true);
            return new AgentFlowTransformer(new AgentFlowPipeline(host, ownsHost: true, options with { Tools = tools }));
        }
        catch
        {
            local?.Dispose();
            throw;
        }
        finally
        {
            TryDelete(folder);
        }
    }

    /// <summary>The base weights (adapters left out) as a model folder, plus the adapters; true when there were adapters.</summary>
    private static bool WriteModel(CausalLM model, LocalModel local, string folder)
    {
        CausalLMCheckpoint.SaveBase(local, Path.Combine(folder, "model"));
        if (model.Lora is null)
            return false;
        LoraCheckpoint.Save(model, Path.Combine(folder, "adapters"));
        return true;
    }

    internal static void AddText(ZipArchive zip, string name, string text)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false));
        writer.Write(text);
    }

    // The loaded weights are in memory; a file still mapped on some platform is left for the temp cleaner.
    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
