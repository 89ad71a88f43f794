using System.Text;
using System.Text.Json.Nodes;
using AgentFlow.MLNet.IO;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Checkpoints;

/// <summary>Writes tensors to a <c>.safetensors</c> file that PyTorch, transformers and vLLM read.</summary>
internal static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> (in the given order) to <paramref name="path"/> through a temporary
    /// sibling renamed into place (<see cref="AtomicFile"/>), so an interrupted save never leaves a half-written checkpoint.
    /// </summary>
    internal static void Write(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        var meta = new JsonObject { ["format"] = "pt" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            meta[key] = value;
        header["__metadata__"] = meta;

        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            long length = tensor.numel() * SafetensorsDType.SizeOf(tensor.dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = SafetensorsDType.NameOf(tensor.dtype),
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            offset += length;
        }

        // The data section starts 8-byte aligned: pad the JSON with spaces, as the reference writer does.
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - json.Length % 8) % 8;
        AtomicFile.Write(path, stream =>
        {
            stream.Write(BitConverter.GetBytes((ulong)(json.Length + padding)));
            stream.Write(json);
            stream.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
            foreach (var (_, tensor) in tensors)
            {
                using var scope = NewDisposeScope();
                var contiguous = tensor.detach().cpu().contiguous();
                if (contiguous.numel() > 0)
                    contiguous.WriteBytesToStream(stream);
            }
        });
    }
}
