using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models.Gguf;

/// <summary>Export to GGUF and load back: weights, llama.cpp's q/k layout, quantisation, config, vocabulary, rope divisors.</summary>
[Collection(TorchCollection.Name)]
public sealed class GgufModelRoundTripTests : IDisposable
{
    private readonly TempFolder _directory = new();

    public GgufModelRoundTripTests() => TorchSharpNativeFixup.EnsureTorchLoaded();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, bool, bool> Variants()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string type in new[] { "llama", "qwen2" })
            foreach (bool bias in new[] { false, true })
                foreach (bool tied in new[] { false, true })
                    data.Add(type, bias, tied);
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void F32RoundTripsWeightsAndConfigExactly(string modelType, bool bias, bool tied)
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Config(modelType, bias, tied) with { MlpBias = bias && modelType == "llama" };
        var weights = TinyModels.Weights(config, seed: 11);
        string path = _directory.File("model.gguf");

        GgufModelWriter.Write(path, config, weights, weightType: GgmlType.F32);
        var model = GgufModelLoader.Load(path);

        Assert.Equal(weights.Keys.Order(), model.Weights.Keys.Order());
        foreach (var (name, weight) in weights)
            Assert.True(Same(weight, model.Weights[name]), $"{name} changed in the round trip");
        IReadOnlyList<int> sameEos = [];
        Assert.Equal(config with { TorchDtype = "float32", EosTokenIds = sameEos }, model.Config with { EosTokenIds = sameEos });
        Assert.Equal(config.EosTokenIds, model.Config.EosTokenIds);
        Assert.Null(model.Vocabulary);
        Assert.Null(model.RopeFrequencyDivisors);
        using var file = GgufFile.Open(path);
        Assert.Equal(tied, file.FindTensor("output.weight") is null);
        Assert.Equal(bias, file.FindTensor("blk.1.attn_k.bias") is not null);
        Assert.Equal(modelType, file.Metadata.GetString("general.architecture"));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    public void LlamaQueryAndKeyRowsAreStoredInLlamaCppsRotaryOrderAndQwen2sAreNot(string modelType)
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Config(modelType, bias: true, tied: false);
        var weights = TinyModels.Weights(config, seed: 5);
        string path = _directory.File("model.gguf");
        GgufModelWriter.Write(path, config, weights, weightType: GgmlType.F32);

        using var file = GgufFile.Open(path);
        foreach (var (projection, ggufName, heads) in new[] { ("q_proj", "attn_q", TinyModels.Heads), ("k_proj", "attn_k", TinyModels.KeyValueHeads) })
        {
            foreach (string kind in new[] { "weight", "bias" })
            {
                var original = weights[$"model.layers.1.self_attn.{projection}.{kind}"];
                var expected = modelType == "llama" ? LlamaCppRowOrder(original, heads) : original;
                var onDisk = file.ReadTensor($"blk.1.{ggufName}.{kind}");
                Assert.True(Same(expected, onDisk), $"{ggufName}.{kind} on disk is not in llama.cpp's order");
            }
        }
        var value = file.ReadTensor("blk.1.attn_v.weight");
        Assert.True(Same(weights["model.layers.1.self_attn.v_proj.weight"], value), "v must never be permuted");
    }

    [Theory]
    [InlineData(GgmlType.F16, ScalarType.Float16)]
    [InlineData(GgmlType.BF16, ScalarType.BFloat16)]
    public void HalfPrecisionWeightsEqualTheOriginalsCastToThatType(GgmlType type, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Config("llama", bias: true, tied: false);
        var weights = TinyModels.Weights(config, seed: 3);
        string path = _directory.File("model.gguf");

        GgufModelWriter.Write(path, config, weights, weightType: type);
        var model = GgufModelLoader.Load(path);

        foreach (var (name, weight) in weights)
        {
            // Norms and biases are 1-D and stay F32, as llama.cpp keeps them.
            var expected = weight.dim() == 1 ? weight : weight.to(dtype).to(ScalarType.Float32);
            Assert.True(Same(expected, model.Weights[name]), $"{name} is not the {type} cast of the original");
        }
        Assert.Equal(type == GgmlType.F16 ? "float16" : "bfloat16", model.Config.TorchDtype);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    public void Q8_0WeightsAreWithinTheQuantisationErrorAndDecodeAsIndependentlyDequantised(string modelType)
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Config(modelType, bias: true, tied: false);
        var weights = TinyModels.Weights(config, seed: 9);
        string path = _directory.File("model.gguf");

        GgufModelWriter.Write(path, config, weights, weightType: GgmlType.Q8_0);
        var model = GgufModelLoader.Load(path);

        foreach (var (name, weight) in weights)
        {
            var loaded = model.Weights[name];
            if (weight.dim() == 1)
            {
                Assert.True(Same(weight, loaded), $"{name} is 1-D and must stay exact F32");
                continue;
            }
            // Per 32-value block: rounding to the step d = max|x|/127 errs by d/2, and storing d as fp16
            // moves each of up to 127 steps by a relative 2^-11.
            var blocks = weight.reshape(-1, 32);
            var maxAbs = blocks.abs().amax([1], keepdim: true);
            var bound = (maxAbs / 127 * 0.5 + maxAbs / 2048) * 1.0001 + 1e-7;
            var error = (loaded.reshape(-1, 32) - blocks).abs();
            Assert.True((error <= bound).all().item<bool>(), $"{name}: Q8_0 error {error.max().item<float>()} exceeds the bound");
        }

        using var file = GgufFile.Open(path);
        using var raw = File.OpenRead(path);
        foreach (var info in file.Tensors.Where(t => t.Type == GgmlType.Q8_0))
        {
            var bytes = new byte[info.ByteSize];
            raw.Position = file.DataOffset + info.Offset;
            raw.ReadExactly(bytes);
            Assert.Equal(DequantiseQ8_0(bytes), file.ReadTensor(info).reshape(-1).data<float>().ToArray());
        }
        Assert.Equal(GgmlType.F32, file.FindTensor("blk.0.attn_norm.weight")!.Type);
    }

    [Fact]
    public void Q8_0FallsBackToF16ForRowsThatAreNotWholeBlocks()
    {
        using var scope = NewDisposeScope();
        // hidden 48: rows of 48 values are not whole 32-value blocks; down_proj rows of 64 are.
        var config = TinyModels.Config("qwen2", bias: false, tied: true) with { HiddenSize = 48, HeadDim = 12 };
        string path = _directory.File("model.gguf");

        GgufModelWriter.Write(path, config, TinyModels.Weights(config, seed: 2), weightType: GgmlType.Q8_0);

        using var file = GgufFile.Open(path);
        Assert.Equal(GgmlType.F16, file.FindTensor("blk.0.attn_q.weight")!.Type);
        Assert.Equal(GgmlType.Q8_0, file.FindTensor("blk.0.ffn_down.weight")!.Type);
        Assert.Equal(GgmlType.F32, file.FindTensor("output_norm.weight")!.Type);
    }

    [Fact]
    public void TheVocabularyRoundTripsAndItsIdsBecomeTheConfigs()
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Config("qwen2", bias: true, tied: true) with { BosTokenId = null, EosTokenIds = [] };
        var vocabulary = TinyModels.Tokenizer(TinyModels.VocabularySize);
        string path = _directory.File("model.gguf");

        GgufModelWriter.Write(path, config, TinyModels.Weights(config, seed: 1), vocabulary, GgmlType.F32);
        var loaded = GgufModelLoader.Load(path).Vocabulary!;

        Assert.Equal(vocabulary.Model, loaded.Model);
        Assert.Equal(vocabulary.PreTokenizer, loaded.PreTokenizer);
        Assert.Equal(vocabulary.Tokens, loaded.Tokens);
        Assert.Equal(vocabulary.Scores, loaded.Scores);
        Assert.Equal(vocabulary.TokenTypes, loaded.TokenTypes);
        Assert.Equal(vocabulary.Merges, loaded.Merges);
        Assert.Equal(vocabulary with { Tokens = loaded.Tokens, Scores = loaded.Scores, TokenTypes = loaded.TokenTypes, Merges = loaded.Merges }, loaded);
        var model = GgufModelLoader.Load(path);
        Assert.Equal(1, model.Config.BosTokenId);
        Assert.Equal([2], model.Config.EosTokenIds);
    }

    [Fact]
    public void Llama31RopeScalingIsStoredAsFrequencyDivisorsAndReturned()
    {
        using var scope = NewDisposeScope();
        var scaling = new Llama3RopeScaling(Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalMaxPositionEmbeddings: 8192);
        var config = TinyModels.Config("llama", bias: false, tied: true) with { RopeScaling = scaling };
        var weights = TinyModels.Weights(config, seed: 4);
        string path = _directory.File("model.gguf");

        GgufModelWriter.Write(path, config, weights, weightType: GgmlType.F32);
        var model = GgufModelLoader.Load(path);

        // Hugging Face's llama3 rope: the divisor is inv_freq / scaled inv_freq. With theta 500000 and
        // head_dim 8 the four frequencies cover all three bands (kept, blended, divided by 8).
        double[] expected = Enumerable.Range(0, TinyModels.HeadDim / 2).Select(i =>
        {
            double invFreq = Math.Pow(500_000, -2.0 * i / TinyModels.HeadDim);
            double wavelength = 2 * Math.PI / invFreq;
            double lowWavelength = 8192 / 1.0, highWavelength = 8192 / 4.0;
            double scaled = wavelength > lowWavelength ? invFreq / 8 : invFreq;
            if (wavelength >= highWavelength && wavelength <= lowWavelength)
            {
                double smooth = (8192 / wavelength - 1) / (4 - 1);
                scaled = (1 - smooth) * scaled / 8 + smooth * scaled;
            }
            return invFreq / scaled;
        }).ToArray();
        Assert.NotNull(model.RopeFrequencyDivisors);
        Assert.Equal(expected, model.RopeFrequencyDivisors!.Select(d => (double)d), new ToleranceComparer(1e-6));
        Assert.Contains(expected, d => d > 1 && d < 8);
        Assert.Null(model.Config.RopeScaling);

        string again = _directory.File("again.gguf");
        GgufModelWriter.Write(again, model.Config, model.Weights, weightType: GgmlType.F32, ropeFrequencyDivisors: model.RopeFrequencyDivisors);
        Assert.Equal(model.RopeFrequencyDivisors, GgufModelLoader.Load(again).RopeFrequencyDivisors);
        Assert.Throws<ArgumentException>(() => GgufModelWriter.Write(again, config, weights, ropeFrequencyDivisors: model.RopeFrequencyDivisors));
    }

    [Fact]
    public void WeightsLoadInTheRequestedDtype()
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Config("qwen2", bias: true, tied: true);
        var weights = TinyModels.Weights(config, seed: 6);
        string path = _directory.File("model.gguf");
        GgufModelWriter.Write(path, config, weights, weightType: GgmlType.F32);

        var model = GgufModelLoader.Load(path, ScalarType.BFloat16);

        Assert.All(model.Weights.Values, w => Assert.Equal(ScalarType.BFloat16, w.dtype));
        var name = "model.layers.0.self_attn.q_proj.weight";
        Assert.True(Same(weights[name].to(ScalarType.BFloat16), model.Weights[name]));
    }

    [Fact]
    public void TheWriterRejectsWeightsThatDoNotMatchTheConfig()
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Config("llama", bias: false, tied: false);
        string path = _directory.File("model.gguf");
        var weights = TinyModels.Weights(config, seed: 8);

        var missing = new Dictionary<string, Tensor>(weights);
        missing.Remove("lm_head.weight");
        Assert.Contains("lm_head.weight", Assert.Throws<ArgumentException>(() => GgufModelWriter.Write(path, config, missing)).Message);
        var misshapen = new Dictionary<string, Tensor>(weights) { ["model.norm.weight"] = zeros(31) };
        Assert.Contains("model.norm.weight", Assert.Throws<ArgumentException>(() => GgufModelWriter.Write(path, config, misshapen)).Message);
        var extra = new Dictionary<string, Tensor>(weights) { ["model.layers.0.self_attn.rotary_emb.inv_freq"] = zeros(4) };
        Assert.Contains("rotary_emb.inv_freq", Assert.Throws<ArgumentException>(() => GgufModelWriter.Write(path, config, extra)).Message);
        Assert.Throws<ArgumentException>(() => GgufModelWriter.Write(path, config, weights, TinyModels.Tokenizer(TinyModels.VocabularySize - 1)));
        Assert.Throws<ArgumentException>(() => GgufModelWriter.Write(path, config, weights, weightType: GgmlType.Q4_K));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void AQwen2ThatLlamaCppsQwen2CannotHoldIsRefusedAndALlamaWithTheSameShapesIsWritten()
    {
        // llama.cpp's qwen2 loader sizes q as hidden x hidden and has no MLP biases; its llama loader takes both.
        using var scope = NewDisposeScope();
        string path = _directory.File("model.gguf");
        var wideHeads = TinyModels.Config("qwen2", bias: true, tied: true) with { HeadDim = 12 };
        var mlpBias = TinyModels.Config("qwen2", bias: true, tied: true) with { MlpBias = true };

        var headError = Assert.Throws<ArgumentException>(() => GgufModelWriter.Write(path, wideHeads, TinyModels.Weights(wideHeads, seed: 1)));
        var biasError = Assert.Throws<ArgumentException>(() => GgufModelWriter.Write(path, mlpBias, TinyModels.Weights(mlpBias, seed: 1)));

        Assert.StartsWith("llama.cpp's qwen2 architecture needs num_attention_heads x head_dim (4 x 12 = 48) to equal hidden_size (32)", headError.Message);
        Assert.StartsWith("llama.cpp's qwen2 architecture has no MLP biases", biasError.Message);
        Assert.False(File.Exists(path));
        var llama = wideHeads with { ModelType = "llama", MlpBias = true };
        GgufModelWriter.Write(path, llama, TinyModels.Weights(llama, seed: 1), weightType: GgmlType.F32);
        Assert.Equal(12, GgufModelLoader.Load(path).Config.HeadDimension);
    }

    private static bool Same(Tensor expected, Tensor actual) =>
        expected.dtype == actual.dtype && expected.shape.SequenceEqual(actual.shape) && expected.eq(actual).all().item<bool>();

    /// <summary>
    /// llama.cpp's converter order computed by index arithmetic: within each head of size d, GGUF row
    /// 2j + c holds Hugging Face row c * d/2 + j.
    /// </summary>
    private static Tensor LlamaCppRowOrder(Tensor hf, int heads)
    {
        long rows = hf.shape[0], d = rows / heads;
        var source = new long[rows];
        for (long h = 0; h < heads; h++)
            for (long j = 0; j < d / 2; j++)
                for (long c = 0; c < 2; c++)
                    source[h * d + 2 * j + c] = h * d + c * d / 2 + j;
        return hf.index_select(0, tensor(source));
    }

    private static float[] DequantiseQ8_0(byte[] bytes)
    {
        var values = new float[bytes.Length / 34 * 32];
        for (int block = 0; block < bytes.Length / 34; block++)
        {
            float d = (float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(bytes, block * 34));
            for (int i = 0; i < 32; i++)
                values[block * 32 + i] = d * (sbyte)bytes[block * 34 + 2 + i];
        }
        return values;
    }

    private sealed class ToleranceComparer(double relative) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= relative * Math.Max(Math.Abs(x), Math.Abs(y));

        public int GetHashCode(double value) => 0;
    }
}
