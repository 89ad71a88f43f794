using System.CommandLine;
using AgentFlow.MLNet.Models;

namespace AgentFlow.Cli;

/// <summary><c>agentflow tokenize</c>: the token ids of standard input, exactly as read, with no special tokens added.</summary>
internal static class TokenizeCommand
{
    internal static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = $"Model folder, tokenizer.json, .gguf file, or '{ModelArguments.Tiny}' for the built-in tiny model's byte-level tokenizer.", Required = true };
        var command = new Command("tokenize", "Print the token ids of standard input (UTF-8), separated by spaces.") { tokenizer };
        command.SetAction(result =>
        {
            string name = result.GetValue(tokenizer)!;
            var loaded = name == ModelArguments.Tiny ? TinyModel.Tokenizer() : LocalModel.LoadTokenizer(InputPaths.RequireExisting("--tokenizer", name));
            foreach (string warning in loaded.Warnings)
                Console.Error.WriteLine($"agentflow: warning: {warning}");
            // The bytes as they are: no byte-order mark is swallowed, no newline is added or removed, nothing invalid is replaced.
            using var input = new MemoryStream();
            Console.OpenStandardInput().CopyTo(input);
            string text = StrictUtf8.Decode(input.GetBuffer().AsSpan(0, (int)input.Length), "standard input");
            var ids = loaded.Encode(text);
            Console.Out.WriteLine(string.Join(' ', ids));
            return ExitCodes.Success;
        });
        return command;
    }
}
