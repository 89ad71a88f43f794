using AgentFlow.MLNet.Models.Checkpoints;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models.Gguf;
using AgentFlow.MLNet.Tests.Smoke;
using CsCheck;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// Damaged weight files, generated: a valid safetensors or GGUF file with bytes of its header overwritten, or cut
/// short, either opens (when the damage happens to be harmless) or fails with the documented exceptions naming the
/// file — never an overflow, an index error, an out-of-memory or a hang on a count of 2^62.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class CheckpointFuzzTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public CheckpointFuzzTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _folder.Dispose();

    /// <summary>Up to four overwritten bytes inside the first <paramref name="length"/> bytes, then an optional cut.</summary>
    private static Gen<(int Position, byte Value)[]> Damage(int length) =>
        Gen.Select(Gen.Int[0, length - 1], Gen.OneOf(Gen.Byte, Gen.Const((byte)0xFF), Gen.Const((byte)0x7F), Gen.Const((byte)0))).Array[1, 4];

    [Fact]
    public void DamagedSafetensorsHeadersFailCleanly()
    {
        string valid = _folder.File("valid.safetensors");
        using (var a = arange(12, dtype: ScalarType.Float32).reshape(3, 4))
        using (var b = ones(5, dtype: ScalarType.BFloat16))
            SafetensorsWriter.Write(valid, [new("a", a), new("b.weight", b)], new Dictionary<string, string> { ["note"] = "x" });
        byte[] bytes = File.ReadAllBytes(valid);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(bytes, 0);
        string path = _folder.File("damaged.safetensors");

        Gen.Select(Damage(headerEnd), Gen.Int[0, bytes.Length]).ForAll(input =>
        {
            var (damage, cut) = input;
            var edited = (byte[])bytes.Clone();
            foreach (var (position, value) in damage)
                edited[position] = value;
            File.WriteAllBytes(path, edited[..cut]);
            try
            {
                var file = SafetensorsFile.Open(path);
                foreach (var name in file.Entries.Keys)
                    file.Read(name).Dispose();
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
            }
            catch (NotSupportedException e)
            {
                Assert.Contains(path, e.Message);
            }
        }, count: 400);
    }

    [Fact]
    public void DamagedGgufHeadersFailCleanly()
    {
        string valid = _folder.File("valid.gguf");
        using (NewDisposeScope())
        {
            var config = TinyModels.Config("llama", bias: false, tied: true);
            GgufModelWriter.Write(valid, config, TinyModels.Weights(config, seed: 1), TinyModels.Tokenizer(TinyModels.VocabularySize), GgmlType.F32);
        }
        byte[] bytes = File.ReadAllBytes(valid);
        long dataOffset;
        using (var file = GgufFile.Open(valid))
            dataOffset = file.DataOffset;
        string path = _folder.File("damaged.gguf");

        Gen.Select(Damage((int)dataOffset), Gen.Int[0, bytes.Length]).ForAll(input =>
        {
            var (damage, cut) = input;
            var edited = (byte[])bytes.Clone();
            foreach (var (position, value) in damage)
                edited[position] = value;
            File.WriteAllBytes(path, edited[..cut]);
            try
            {
                using var file = GgufFile.Open(path);
                foreach (var tensor in file.Tensors)
                    file.ReadTensor(tensor, ScalarType.Float32).Dispose();
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(path, e.Message);
            }
            catch (NotSupportedException e)
            {
                Assert.Contains(path, e.Message);
            }
        }, count: 400);
    }
}
