using AgentFlow.MLNet.Models.Gguf;

namespace AgentFlow.MLNet.Tests.Models.Gguf;

/// <summary>Copies a GGUF file through the library's own writer with one metadata entry set to a given value.</summary>
internal static class GgufRewrite
{
    /// <summary>
    /// Writes <paramref name="target"/> with <paramref name="source"/>'s metadata (in order) and tensors (same types and
    /// bytes), except that <paramref name="key"/> holds <paramref name="value"/>: replaced where the source has it, added
    /// at the end where it does not.
    /// </summary>
    internal static string WithEntry(string source, string target, string key, object value)
    {
        using var file = GgufFile.Open(source);
        var metadata = file.Metadata
            .Select(entry => entry.Key == key ? new KeyValuePair<string, object>(key, value) : entry)
            .ToList();
        if (!file.Metadata.ContainsKey(key))
            metadata.Add(new(key, value));
        // F32 data decodes and re-encodes to the same bytes; the writers of these tests' files store only F32.
        var tensors = file.Tensors
            .Select(info => new GgufTensorEntry(info.Name, info.Shape, info.Type, () => file.ReadTensor(info)))
            .ToList();
        GgufFileWriter.Write(target, metadata, tensors);
        return target;
    }
}
