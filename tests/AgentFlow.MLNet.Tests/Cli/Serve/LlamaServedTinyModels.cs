using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Gguf;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Models;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// Tiny models written by <see cref="CausalLMCheckpoint.SaveGguf(LocalModel, string, GgmlType)"/> and served by llama.cpp's
/// llama-server, one server per architecture. Each is started on first use, so a class whose tests are all skipped
/// (no llama-server) starts nothing.
/// </summary>
public sealed class LlamaServedTinyModels : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly Lazy<LlamaServedGguf> _qwen2;
    private readonly Lazy<LlamaServedGguf> _llama;

    public LlamaServedTinyModels()
    {
        _qwen2 = new(() => Serve("qwen2", path =>
        {
            using var tiny = TinyModel.Create(new TinyModelOptions { Seed = 1 });   // what --model tiny is
            CausalLMCheckpoint.SaveGguf(tiny, path, GgmlType.F32);
        }));
        _llama = new(() => Serve("llama", path =>
        {
            // Llama's q/k rows are permuted into llama.cpp's rotary layout on the way out: this one checks that too.
            var config = TinyModels.Llama() with { VocabSize = TinyModel.Tokenizer().VocabSize, BosTokenId = null, EosTokenIds = [258], MaxPositionEmbeddings = 512 };
            using var model = TinyModels.Create(config, seed: 3);
            CausalLMCheckpoint.SaveGguf(model, TinyModel.Tokenizer(), path, GgmlType.F32);
        }));
    }

    /// <summary>The built-in tiny model (seed 1, Qwen2 layout), as an F32 GGUF.</summary>
    internal LlamaServedGguf Qwen2 => _qwen2.Value;

    /// <summary>A tiny Llama-layout model with the tiny model's byte-level tokenizer and ChatML template, as an F32 GGUF.</summary>
    internal LlamaServedGguf Llama => _llama.Value;

    public void Dispose()
    {
        if (_qwen2.IsValueCreated)
            _qwen2.Value.Dispose();
        if (_llama.IsValueCreated)
            _llama.Value.Dispose();
        _temp.Dispose();
    }

    private LlamaServedGguf Serve(string name, Action<string> write)
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        string path = _temp.File($"{name}.gguf");
        write(path);
        return new LlamaServedGguf(LlamaServerFactAttribute.Program!, path);
    }
}
