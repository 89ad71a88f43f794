// Runs one README snippet: dotnet run -c Release --project samples/Snippets -- <name> [args]
using Snippets;

var snippets = new Dictionary<string, Func<string[], Task>>(StringComparer.Ordinal)
{
    ["checkpoint"] = args => { CheckpointSnippet.Run(args); return Task.CompletedTask; },
    ["tiny-model"] = _ => { TinyModelSnippet.Run(); return Task.CompletedTask; },
    ["saving"] = _ => { SavingSnippet.Run(); return Task.CompletedTask; },
    ["chat-client"] = _ => ChatClientSnippet.RunAsync(),
    ["agent"] = _ => AgentSnippet.RunAsync(),
    ["training"] = _ => TrainingSnippet.RunAsync(),
    ["trainer"] = _ => TrainerSnippet.RunAsync(),
    ["module-backends"] = ModuleBackendsSnippet.RunAsync,
    ["mlnet"] = _ => { MLNetSnippet.Run(); return Task.CompletedTask; },
};

if (args.Length == 0 || !snippets.TryGetValue(args[0], out var snippet))
{
    Console.Error.WriteLine($"usage: Snippets <{string.Join("|", snippets.Keys)}> [args]");
    return 2;
}
await snippet(args[1..]);
return 0;
