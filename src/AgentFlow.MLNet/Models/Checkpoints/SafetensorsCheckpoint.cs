using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFlow.MLNet.IO;
using AgentFlow.MLNet.Models.Decoder;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Checkpoints;

/// <summary>
/// Moves a <see cref="CausalLM"/>'s weights to and from the Hugging Face layout: <c>model.safetensors</c>, or
/// shards listed in <c>model.safetensors.index.json</c>. Names and shapes are checked against the model
/// before any weight is copied.
/// </summary>
internal static class SafetensorsCheckpoint
{
    internal const string SingleFile = "model.safetensors";
    internal const string IndexFile = "model.safetensors.index.json";

    /// <summary>True when <paramref name="folder"/> holds safetensors weights in either layout.</summary>
    internal static bool Exists(string folder) =>
        File.Exists(Path.Combine(folder, SingleFile)) || File.Exists(Path.Combine(folder, IndexFile));

    /// <summary>Opens every weight file of the checkpoint in <paramref name="folder"/>, validating each header.</summary>
    internal static IReadOnlyList<SafetensorsFile> Open(string folder)
    {
        string index = Path.Combine(folder, IndexFile);
        if (File.Exists(index))
            return ShardsOf(index).Select(SafetensorsFile.Open).ToList();
        string single = Path.Combine(folder, SingleFile);
        if (File.Exists(single))
            return [SafetensorsFile.Open(single)];
        throw new FileNotFoundException($"'{folder}' has neither {SingleFile} nor {IndexFile}.", single);
    }

    private static IEnumerable<string> ShardsOf(string indexPath)
    {
        JsonObject? weightMap;
        try
        {
            weightMap = JsonNode.Parse(File.ReadAllText(indexPath))?["weight_map"] as JsonObject;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{indexPath}' is not valid JSON: {e.Message}", e);
        }
        if (weightMap is null || weightMap.Count == 0)
            throw new InvalidDataException($"'{indexPath}' has no weight_map.");

        string folder = Path.GetDirectoryName(indexPath)!;
        foreach (string shard in weightMap.Select(pair => pair.Value?.GetValue<string>() ?? "").Distinct(StringComparer.Ordinal))
        {
            // Shard names come from the file: keep them inside the checkpoint folder.
            if (shard.Length == 0 || Path.GetFileName(shard) != shard)
                throw new InvalidDataException($"'{indexPath}' names an invalid shard file '{shard}'.");
            string path = Path.Combine(folder, shard);
            if (!File.Exists(path))
                throw new FileNotFoundException($"'{indexPath}' lists shard '{shard}', which does not exist.", path);
            yield return path;
        }
    }

    /// <summary>
    /// Copies the checkpoint's tensors into <paramref name="model"/>, converting to the model's dtype and device.
    /// Throws before copying anything if a tensor is missing, unexpected, duplicated across shards or of the wrong shape.
    /// </summary>
    internal static void LoadInto(CausalLM model, IReadOnlyList<SafetensorsFile> files)
    {
        var sources = new Dictionary<string, WeightSource>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var entry in file.Entries.Values)
            {
                if (!sources.TryAdd(entry.Name, new WeightSource(entry.Shape, file.Path, () => file.Read(entry.Name))))
                    throw new InvalidDataException($"Tensor '{entry.Name}' appears in both '{sources[entry.Name].Origin}' and '{file.Path}'.");
            }
        }
        WeightCopier.Copy(model, sources);
    }

    /// <summary>
    /// Writes the model's weights into <paramref name="folder"/> as one <c>model.safetensors</c>, or as
    /// <c>model-0000k-of-0000n.safetensors</c> shards plus an index when they exceed <paramref name="maxShardBytes"/>.
    /// </summary>
    internal static void Save(CausalLM model, string folder, ScalarType? dtype, long maxShardBytes)
    {
        if (maxShardBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxShardBytes), maxShardBytes, "The shard size must be positive.");
        using var scope = NewDisposeScope();
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, dtype is { } t ? p.parameter.detach().to(t) : p.parameter.detach()))
            .ToList();

        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long shardBytes = 0;
        foreach (var pair in tensors)
        {
            long bytes = pair.Value.numel() * pair.Value.element_size();
            if (shards[^1].Count > 0 && shardBytes + bytes > maxShardBytes)
            {
                shards.Add([]);
                shardBytes = 0;
            }
            shards[^1].Add(pair);
            shardBytes += bytes;
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        if (shards.Count == 1)
        {
            written.Add(SingleFile);
            SafetensorsWriter.Write(Path.Combine(folder, SingleFile), shards[0]);
        }
        else
        {
            var weightMap = new JsonObject();
            for (int i = 0; i < shards.Count; i++)
            {
                string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
                written.Add(name);
                SafetensorsWriter.Write(Path.Combine(folder, name), shards[i]);
                foreach (var (tensorName, _) in shards[i])
                    weightMap[tensorName] = name;
            }
            written.Add(IndexFile);
            WriteIndex(Path.Combine(folder, IndexFile), weightMap, tensors.Sum(p => p.Value.numel() * p.Value.element_size()));
        }

        // Only now, with the new weights complete, remove files of an earlier save so the folder never mixes layouts.
        foreach (string stale in Directory.EnumerateFiles(folder, "model*.safetensors*").Where(f => !written.Contains(Path.GetFileName(f))).ToList())
            File.Delete(stale);
    }

    private static void WriteIndex(string path, JsonObject weightMap, long totalSize)
    {
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = totalSize },
            ["weight_map"] = weightMap,
        };
        AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(index.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }
}
