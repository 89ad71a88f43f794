using System.Text.Json;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Gguf;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// Writes every <see cref="BenchmarkModels"/> size, with the very weights the suites measure, as a Hugging Face folder
/// (<c>config.json</c> + safetensors), so that <c>perf/pytorch/eager.py</c> times the same network. Each folder also
/// gets <c>parity.json</c>: seeded token ids and the first logits our forward gives for them, which the script checks
/// before it times anything, so a ratio is never read off two different models.
/// </summary>
public static class BenchmarkModelExport
{
    /// <summary>Rows and tokens of the parity input; vocabulary entries of each position's logits written.</summary>
    private const int ParityRows = 2, ParityTokens = 32, ParityVocab = 64;

    /// <summary>Every size a suite measures.</summary>
    public static IReadOnlyList<string> Sizes { get; } = ["QuickStart", "1M", "30M"];

    /// <summary>Writes <paramref name="sizes"/> (default <see cref="Sizes"/>) into subfolders of <paramref name="folder"/> named after them.</summary>
    public static void Write(string folder, IEnumerable<string>? sizes = null)
    {
        foreach (string name in sizes ?? Sizes)
        {
            string target = Path.Combine(folder, name);
            using var model = BenchmarkModels.Create(name);
            CausalLMCheckpoint.Save(model, TinyModel.Tokenizer(), target);
            File.WriteAllText(Path.Combine(target, "parity.json"), Parity(model));
            Console.WriteLine($"{name}: {target}");
        }
    }

    /// <summary>
    /// Writes <paramref name="sizes"/> (default <see cref="LlamaCppDecodeBenchmarks"/>' models) as float32 GGUF files
    /// <c>NAME.gguf</c> in <paramref name="folder"/>, with the very weights the suite decodes with, for llama.cpp's
    /// <c>llama-batched-bench</c> (<c>perf/llamacpp/compare.sh</c>).
    /// </summary>
    public static void WriteGguf(string folder, IEnumerable<string>? sizes = null)
    {
        Directory.CreateDirectory(folder);
        foreach (string name in sizes ?? LlamaCppDecodeBenchmarks.Models)
        {
            string target = Path.Combine(folder, name + ".gguf");
            using var model = BenchmarkModels.Create(name);
            CausalLMCheckpoint.SaveGguf(model, TinyModel.Tokenizer(), target, GgmlType.F32);
            Console.WriteLine($"{name}: {target}");
        }
    }

    private static string Parity(CausalLM model)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var prompts = BenchmarkModels.RandomPrompts(model, ParityRows, ParityTokens, seed: 7);
        var ids = tensor(prompts.SelectMany(p => p.Select(t => (long)t)).ToArray()).reshape(ParityRows, ParityTokens);
        var logits = model.forward(new CausalLMInput(ids)).Logits![.., .., ..ParityVocab].contiguous();
        var values = logits.data<float>().ToArray();
        var rows = Enumerable.Range(0, ParityRows)
            .Select(r => Enumerable.Range(0, ParityTokens)
                .Select(t => values.AsSpan((r * ParityTokens + t) * ParityVocab, ParityVocab).ToArray()).ToArray())
            .ToArray();
        return JsonSerializer.Serialize(new { input_ids = prompts, logits = rows });
    }
}
