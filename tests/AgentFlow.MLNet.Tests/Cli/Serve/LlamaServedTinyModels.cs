using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// Tiny models written by <see cref="CausalLMCheckpoint.SaveGguf(LocalModel, string, GgmlType)"/> and served by llama.cpp's
/// llama-server, one server per architecture. Each is started on first use, so a class whose tests are all skipped
/// (no llama-server) starts nothing.
/// </summary>
public sealed class LlamaServedTinyModels : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly Lazy<LlamaServedGguf> _tiny;
    private readonly Lazy<LlamaServedGguf> _llama;
    private readonly Lazy<LlamaServedGguf> _qwen2;

    public LlamaServedTinyModels()
    {
        _tiny = new(() => Serve("tiny", path =>
        {
            // --model tiny's weights, with room for the agent's prompts: byte-level, they run to ~4k tokens, past the
            // default 2048, where our local client cuts the middle out of a prompt but llama-server refuses it (HTTP 400).
            using var tiny = TinyModel.Create(new TinyModelOptions { Seed = 1, ContextLength = 8192 });
            CausalLMCheckpoint.SaveGguf(tiny, path, GgmlType.F32);
        }));
        // Weights drawn wider (std 0.2, random biases and norms) than the tiny model's, so greedy decoding wanders over
        // many bytes instead of repeating one; untied heads; the byte-level tokenizer and ChatML template are the tiny model's.
        _llama = new(() => Serve("llama", path =>
        {
            // Llama's q/k rows are permuted into llama.cpp's rotary layout on the way out, and its head_dim (12) is not
            // hidden / heads (32 / 4), which llama.cpp's llama architecture takes: this checks both.
            var tokenizer = TinyModel.Tokenizer();
            var config = TinyModels.Llama() with { HeadDim = 12, VocabSize = tokenizer.VocabSize, BosTokenId = null, EosTokenIds = [258], MaxPositionEmbeddings = 512 };
            using var model = TinyModels.Create(config, seed: 3);
            KeepGreedyTextAscii(model);
            CausalLMCheckpoint.SaveGguf(model, tokenizer, path, GgmlType.F32);
        }));
        _qwen2 = new(() => Serve("qwen2", path =>
        {
            // GQA 4:1 and q/k/v biases.
            var tokenizer = TinyModel.Tokenizer();
            var config = TinyModels.Qwen2(tied: false, headDim: TinyModels.LlamaCppHeadDim) with { VocabSize = tokenizer.VocabSize, EosTokenIds = [258], MaxPositionEmbeddings = 512 };
            using var model = TinyModels.Create(config, seed: 4);
            KeepGreedyTextAscii(model);
            CausalLMCheckpoint.SaveGguf(model, tokenizer, path, GgmlType.F32);
        }));
    }

    /// <summary>The built-in tiny model (seed 1, Qwen2 layout) with an 8192-token context, as an F32 GGUF.</summary>
    internal LlamaServedGguf Tiny => _tiny.Value;

    /// <summary>A random tiny Llama, as an F32 GGUF.</summary>
    internal LlamaServedGguf Llama => _llama.Value;

    /// <summary>A random tiny Qwen2, as an F32 GGUF.</summary>
    internal LlamaServedGguf Qwen2 => _qwen2.Value;

    public void Dispose()
    {
        foreach (var served in new[] { _tiny, _llama, _qwen2 }.Where(lazy => lazy.IsValueCreated))
            served.Value.Dispose();
        _temp.Dispose();
    }

    // llama-server cannot return a completion whose bytes are not valid UTF-8 (see LlamaServerPeerTests.ValidUtf8Prefix),
    // and these models' greedy text would reach a stray high byte within a few tokens. With the LM head's rows for the
    // bytes 0x80-0xFF zeroed, their logits are exactly 0, so greedy decoding keeps to ASCII while any other logit is positive.
    private static void KeepGreedyTextAscii(CausalLM model)
    {
        using var _ = no_grad();
        model.named_parameters().Single(p => p.name == "lm_head.weight").parameter.narrow(0, 128, 128).zero_();
    }

    private LlamaServedGguf Serve(string name, Action<string> write)
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        string path = _temp.File($"{name}.gguf");
        write(path);
        return new LlamaServedGguf(LlamaServerFactAttribute.Program!, path);
    }
}
