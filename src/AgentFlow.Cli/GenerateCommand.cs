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
        var model = new Option<string>("--model") { Description = "Hugging Face model folder or .gguf file.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Raw prompt text (no chat template unless --chat). Empty starts from BOS.", DefaultValueFactory = _ => "" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens to generate.", DefaultValueFactory = _ => 128 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 is greedy.", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass.", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0 };
        var chat = new Option<bool>("--chat") { Description = "Wrap the prompt as a user turn with the model's chat template." };
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype: float32, bfloat16 or float16.", DefaultValueFactory = _ => "float32" };
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "CPU threads for libtorch; 0 keeps its default (all cores)." };

        var command = new Command("generate", "Continue a prompt with a local model; prints only the generated text.")
        {
            model, prompt, maxTokens, temperature, topP, seed, chat, dtype, device, threads,
        };
        command.SetAction((result, cancellationToken) =>
        {
            TorchSharpNativeFixup.EnsureTorchLoaded();
            if (result.GetValue(threads) is > 0 and var count)
                torch.set_num_threads(count);
            var options = new ModelLoadOptions { DType = CliParsing.DType(result.GetValue(dtype)!), Device = ComputeDevice.Resolve(result.GetValue(device)!) };
            var clock = Stopwatch.StartNew();
            using var local = LocalModel.Load(result.GetValue(model)!, options);
            foreach (string warning in local.Warnings)
                Console.Error.WriteLine($"agentflow: warning: {warning}");
            Console.Error.WriteLine($"loaded {local.Model.Describe()} in {clock.Elapsed.TotalSeconds:F1} s");

            var promptIds = local.EncodePrompt(result.GetValue(prompt)!, result.GetValue(chat));
            var sampling = new SamplingOptions
            {
                Temperature = result.GetValue(temperature),
                TopP = result.GetValue(topP),
                MaxNewTokens = result.GetValue(maxTokens),
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
            return Task.FromResult(0);
        });
        return command;
    }
}
