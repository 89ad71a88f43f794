using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;
using Tiny = AgentFlow.MLNet.Tests.Models.TinyModels;

namespace AgentFlow.MLNet.Tests.Models.Gguf;

/// <summary>
/// Loading a GGUF file copies each weight into the model as soon as it is decoded, so memory holds the model plus
/// one decoded weight, not a second copy of every weight.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class GgufStreamingLoadTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public GgufStreamingLoadTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _temp.Dispose();

    private static long Bytes(Tensor tensor) => tensor.numel() * tensor.element_size();

    [Theory]
    [InlineData("llama")] // q/k rows are permuted back on the way in
    [InlineData("qwen2")]
    public void At_most_one_decoded_weight_is_alive_at_any_time_and_the_model_is_the_same(string family)
    {
        using var scope = NewDisposeScope();
        var config = family == "llama" ? Tiny.Llama() : Tiny.Qwen2(tied: false, headDim: Tiny.LlamaCppHeadDim);
        using var original = Tiny.Create(config);
        string path = _temp.File("tiny.gguf");
        CausalLMCheckpoint.WriteGguf(original, path, GgmlType.F32, vocabulary: null);

        var decoded = new List<Tensor>();
        long peakBytes = 0;
        var (loaded, _, _) = CausalLMCheckpoint.LoadGguf(path, new ModelLoadOptions(), weight =>
        {
            // A weight already handed over is disposed once copied; what is still alive is held at the same time as this one.
            long alive = decoded.Where(earlier => !earlier.IsInvalid).Sum(Bytes) + Bytes(weight);
            peakBytes = Math.Max(peakBytes, alive);
            decoded.Add(weight);
        });
        using var _model = loaded;

        var parameters = original.named_parameters().ToList();
        Assert.Equal(parameters.Count, decoded.Count);
        Assert.All(decoded, weight => Assert.True(weight.IsInvalid, "a decoded weight outlived its copy"));
        Assert.Equal(parameters.Max(p => Bytes(p.parameter)), peakBytes);
        Assert.True(peakBytes < parameters.Sum(p => Bytes(p.parameter)) / 4);
        var ids = Tiny.RandomIds(config, batch: 1, tokens: 5);
        Assert.True(original.forward(new CausalLMInput(ids)).Logits!.equal(loaded.forward(new CausalLMInput(ids)).Logits!).all().item<bool>());
    }

    [Fact]
    public void A_shape_mismatch_is_found_before_any_weight_is_decoded()
    {
        using var original = Tiny.Create(Tiny.Qwen2(headDim: Tiny.LlamaCppHeadDim));
        string path = _temp.File("tiny.gguf");
        CausalLMCheckpoint.WriteGguf(original, path, GgmlType.F32, vocabulary: null);
        // One more layer in the metadata than the file has tensors for.
        string lying = GgufRewrite.WithEntry(path, _temp.File("lying.gguf"), "qwen2.block_count", 3u);

        int decodedCount = 0;
        var error = Assert.Throws<InvalidDataException>(() => CausalLMCheckpoint.LoadGguf(lying, new ModelLoadOptions(), _ => decodedCount++));

        Assert.Contains("blk.2", error.Message);
        Assert.Equal(0, decodedCount);
    }
}
