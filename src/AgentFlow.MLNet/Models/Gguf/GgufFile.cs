using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// An open GGUF file (llama.cpp's model format, versions 2 and 3): its metadata and tensor list, read and
/// validated when it is opened, and its tensors, read one at a time on request. The file stays open until
/// disposed; the data is streamed, never loaded whole. Not safe for concurrent use.
/// </summary>
public sealed class GgufFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;

    private GgufFile(string path, FileStream stream, GgufHeader header)
    {
        Path = path;
        _stream = stream;
        Version = header.Version;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        Alignment = header.Alignment;
        DataOffset = header.DataOffset;
        _tensorsByName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The GGUF format version: 2 or 3.</summary>
    public uint Version { get; }

    /// <summary>The key/value metadata.</summary>
    public GgufMetadata Metadata { get; }

    /// <summary>The tensors, in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Alignment of tensor data in bytes (<c>general.alignment</c>, default 32).</summary>
    public int Alignment { get; }

    /// <summary>Absolute file offset of the data section, to which every <see cref="GgufTensorInfo.Offset"/> is relative.</summary>
    public long DataOffset { get; }

    /// <summary>
    /// Opens <paramref name="path"/> and reads its header, metadata and tensor infos.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not GGUF, or is truncated or inconsistent; the message names the item.</exception>
    /// <exception cref="NotSupportedException">The file is GGUF version 1, big-endian, newer than version 3, or lists a ggml type this reader does not know.</exception>
    public static GgufFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            return new GgufFile(path, stream, GgufHeaderReader.Read(stream, path));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The tensor named <paramref name="name"/>, or null when the file has none.</summary>
    public GgufTensorInfo? FindTensor(string name) => _tensorsByName.GetValueOrDefault(name);

    /// <summary>Reads the tensor named <paramref name="name"/>; see <see cref="ReadTensor(GgufTensorInfo, ScalarType, Device?)"/>.</summary>
    /// <param name="name">The GGUF tensor name.</param>
    /// <param name="dtype">Element type of the result.</param>
    /// <param name="device">Device of the result; the CPU when null.</param>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    /// <exception cref="NotSupportedException">The tensor's ggml type cannot be decoded.</exception>
    public Tensor ReadTensor(string name, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        ReadTensor(FindTensor(name) ?? throw new KeyNotFoundException($"'{Path}' has no tensor '{name}'."), dtype, device);

    /// <summary>
    /// Reads <paramref name="tensor"/> as a new tensor of its PyTorch shape (the GGUF dimensions reversed),
    /// decoded from F32, F16, BF16 or Q8_0 (dequantised) and converted to <paramref name="dtype"/> on
    /// <paramref name="device"/> (default: the CPU). The caller owns the result.
    /// </summary>
    /// <param name="tensor">One of this file's <see cref="Tensors"/>.</param>
    /// <param name="dtype">Element type of the result.</param>
    /// <param name="device">Device of the result; the CPU when null.</param>
    /// <exception cref="NotSupportedException">The tensor's ggml type is not one of those four.</exception>
    public Tensor ReadTensor(GgufTensorInfo tensor, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!ReferenceEquals(FindTensor(tensor.Name), tensor))
            throw new ArgumentException($"Tensor '{tensor.Name}' does not belong to '{Path}'.", nameof(tensor));
        if (!GgmlTensorCodec.IsSupported(tensor.Type))
            throw new NotSupportedException($"'{Path}': tensor '{tensor.Name}' is stored as {tensor.Type}, which cannot be decoded; supported types are F32, F16, BF16 and Q8_0.");
        return GgmlTensorCodec.Decode(_stream, DataOffset + tensor.Offset, tensor, dtype, device ?? CPU);
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
