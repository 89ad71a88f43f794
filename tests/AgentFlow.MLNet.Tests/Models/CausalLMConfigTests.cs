using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;

namespace AgentFlow.MLNet.Tests.Models;

public sealed class CausalLMConfigTests
{
    // The published config.json files of two real checkpoints (fields as released).
    private const string Qwen25HalfB = """
        {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151645,
         "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02, "intermediate_size": 4864,
         "max_position_embeddings": 32768, "max_window_layers": 21, "model_type": "qwen2", "num_attention_heads": 14,
         "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
         "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.43.1",
         "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
        """;

    private const string Llama32OneB = """
        {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 128000,
         "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048,
         "initializer_range": 0.02, "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
         "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
         "pretraining_tp": 1, "rms_norm_eps": 1e-05,
         "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"},
         "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 128256}
        """;

    [Fact]
    public void Qwen25ConfigIsReadWithBiasTiedHeadAndItsPublishedSize()
    {
        var config = CausalLMConfig.Parse(Qwen25HalfB);

        Assert.Equal("qwen2", config.ModelType);
        Assert.True(config.AttentionBias);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(2, config.KeyValueHeads);
        Assert.Equal(64, config.HeadDimension);
        Assert.Equal(1_000_000, config.RopeTheta);
        Assert.Equal([151645], config.EosTokenIds);
        Assert.Equal("bfloat16", config.TorchDtype);
        Assert.Equal(494_032_768, config.ParameterCount);
    }

    [Fact]
    public void Llama32ConfigKeepsItsRopeScalingAndEosList()
    {
        var config = CausalLMConfig.Parse(Llama32OneB);

        Assert.Equal(new Llama3RopeScaling(32, 1, 4, 8192), config.RopeScaling);
        Assert.False(config.AttentionBias);
        Assert.Equal([128001, 128008, 128009], config.EosTokenIds);
        Assert.Equal(128000, config.BosTokenId);
        Assert.Equal(1e-5, config.RmsNormEps);
        Assert.Equal(1_235_814_400, config.ParameterCount);
    }

    [Fact]
    public void WrittenConfigReadsBackTheSame()
    {
        var config = CausalLMConfig.Parse(Llama32OneB);

        var again = CausalLMConfig.Parse(config.ToJson());

        Assert.Equal(config.ToJson(), again.ToJson());
        Assert.Equal(config.RopeScaling, again.RopeScaling);
    }

    [Fact]
    public void TheAnalyticParameterCountMatchesABuiltModel()
    {
        foreach (var config in new[] { TinyModels.Llama(), TinyModels.Llama(tied: true), TinyModels.Qwen2(), TinyModels.Qwen2(tied: false) with { MlpBias = true } })
        {
            using var model = new CausalLM(config);
            Assert.Equal(model.Describe().ParameterCount, config.ParameterCount);
        }
    }

    [Theory]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}", "yarn")]
    [InlineData("\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}", "linear")]
    [InlineData("\"num_local_experts\": 8", "mixture-of-experts")]
    [InlineData("\"hidden_act\": \"gelu\"", "gelu")]
    [InlineData("\"use_sliding_window\": true", "sliding_window")]
    public void FeaturesThatWouldBeComputedWronglyAreRejectedByName(string field, string named)
    {
        string json = Qwen25HalfB.Replace("\"use_sliding_window\": false,", "").Replace("\"sliding_window\": 32768", "\"sliding_window\": 4096").Replace("\"hidden_act\": \"silu\",", "").Replace("{\"architectures\"", "{" + field + ", \"architectures\"");

        var error = Assert.Throws<NotSupportedException>(() => CausalLMConfig.Parse(json));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void AnotherFamilyIsRejectedByName()
    {
        var error = Assert.Throws<NotSupportedException>(() => CausalLMConfig.Parse(Qwen25HalfB.Replace("\"qwen2\"", "\"gemma\"")));

        Assert.Contains("gemma", error.Message);
    }

    [Fact]
    public void AMissingOrImpossibleFieldIsNamed()
    {
        var missing = Assert.Throws<InvalidDataException>(() => CausalLMConfig.Parse(Qwen25HalfB.Replace("\"hidden_size\": 896,", "")));
        Assert.Contains("hidden_size", missing.Message);

        var impossible = Assert.Throws<InvalidDataException>(() => CausalLMConfig.Parse(Qwen25HalfB.Replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3")));
        Assert.Contains("num_key_value_heads", impossible.Message);
    }
}
