using System.CommandLine;
using System.Text;
using AgentFlow.MLNet.Models;

namespace AgentFlow.Cli;

/// <summary><c>agentflow tokenize</c>: the token ids of standard input, exactly as read, with no special tokens added.</summary>
internal static class TokenizeCommand
{
    internal static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "Model folder, tokenizer.json, or .gguf file.", Required = true };
        var command = new Command("tokenize", "Print the token ids of standard input, separated by spaces.") { tokenizer };
        command.SetAction(result =>
        {
            var loaded = LocalModel.LoadTokenizer(result.GetValue(tokenizer)!);
            foreach (string warning in loaded.Warnings)
                Console.Error.WriteLine($"agentflow: warning: {warning}");
            // Read the bytes as they are: no byte-order mark is swallowed, no newline is added or removed.
            using var reader = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
            var ids = loaded.Encode(reader.ReadToEnd());
            Console.Out.WriteLine(string.Join(' ', ids));
            return 0;
        });
        return command;
    }
}
