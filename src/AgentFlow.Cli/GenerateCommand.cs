using System.CommandLine;
using System.Diagnostics;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Tokenization;
using AgentFlow.MLNet.Native;
using TorchSharp;

namespace AgentFlow.Cli;

/// <summary>
/// <c>agentflow generate</c>: continue a prompt with a local model. Only the generated text goes to standard output
/// (streamed as it is produced); everything else goes to standard error.
/// </summary>
internal static class GenerateCommand
{
    internal static Command Create()
    {
        var model = new ModelArguments();
        var prompt = new Option<string>("--prompt") { Description = "Raw prompt text (no chat template unless --chat). Empty starts from BOS.", DefaultValueFactory = _ => "" };
        var maxTokens = CliOptions.Number("--max-tokens", "Most tokens to generate; capped, with a warning, at what the context leaves after the prompt.",
            "a positive whole number", (int n) => n > 0, defaultValue: 128);
        var temperature = CliOptions.Number("--temperature", "Sampling temperature; 0 is greedy.",
            "0 (greedy) or a positive number", (double t) => t >= 0 && double.IsFinite(t), defaultValue: 0.0);
        var topP = CliOptions.Number("--top-p", "Nucleus sampling mass, in (0, 1].",
            "a number in (0, 1]", (double p) => p is > 0 and <= 1, defaultValue: 1.0);
        var seed = CliOptions.Number("--seed", "Sampling seed.", "a whole number from 0 to 2^64-1", (ulong _) => true, defaultValue: 0UL);
        var chat = new Option<bool>("--chat") { Description = "Wrap the prompt as a user turn with the model's chat template." };
        var threads = CliOptions.Number("--threads", "CPU threads for libtorch; leave it out for libtorch's default (all cores).",
            "a positive whole number", (int n) => n > 0);

        var command = new Command("generate", "Continue a prompt with a local model; prints only the generated text.")
        {
            prompt, maxTokens, temperature, topP, seed, chat, threads,
        };
        foreach (var option in model.All)
            command.Options.Add(option);
        command.SetAction((result, cancellationToken) =>
        {
            if (result.GetResult(threads) is not null)
            {
                // Set before the model loads (which loads libtorch itself otherwise), so loading uses the threads too.
                TorchSharpNativeFixup.EnsureTorchLoaded();
                torch.set_num_threads(result.GetValue(threads));
            }
            var clock = Stopwatch.StartNew();
            using var local = model.Load(result);
            Console.Error.WriteLine($"loaded {local.Model.Describe()} in {clock.Elapsed.TotalSeconds:F1} s");

            var promptIds = local.EncodePrompt(result.GetValue(prompt)!, result.GetValue(chat));
            var sampling = new SamplingOptions
            {
                Temperature = result.GetValue(temperature),
                TopP = result.GetValue(topP),
                MaxNewTokens = FitToContext(result.GetValue(maxTokens), promptIds.Count, local.Model.Config.MaxPositionEmbeddings),
                Seed = result.GetValue(seed),
                StopTokenIds = local.StopTokenIds,
            };
            var decoder = new IncrementalDecoder(local.Tokenizer);
            clock.Restart();
            var generated = new GenerationEngine(local.Model).Generate([promptIds], sampling, cancellationToken: cancellationToken,
                onToken: (_, token) =>
                {
                    Console.Out.Write(decoder.Add(token));
                    Console.Out.Flush();
                    return null;
                }).Single();
            Console.Out.WriteLine(decoder.Flush());
            double seconds = clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"{promptIds.Count} prompt tokens, {generated.CompletionIds.Count} generated in {seconds:F2} s " +
                $"({generated.CompletionIds.Count / Math.Max(seconds, 1e-9):F1} tokens/s), finish: {generated.FinishReason}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>
    /// <paramref name="maxTokens"/>, or the room the prompt leaves in the context when that is less (with a warning:
    /// the user asked for more than the model can give); an error when the prompt leaves no room at all.
    /// </summary>
    private static int FitToContext(int maxTokens, int promptTokens, int context)
    {
        int room = context - promptTokens;
        if (room <= 0)
            throw new ArgumentException($"--prompt is {promptTokens} tokens, which leaves no room in the model's {context}-token context");
        if (maxTokens <= room)
            return maxTokens;
        Console.Error.WriteLine(ErrorLines.Warning(
            $"--max-tokens {maxTokens} is more than the {room} tokens the {promptTokens}-token prompt leaves in the model's {context}-token context; generating at most {room}"));
        return room;
    }
}
