using System.CommandLine;
using System.Diagnostics;
using AgentFlow.MLNet.Tools.Search;

namespace AgentFlow.Cli;

/// <summary><c>agentflow index</c>: a Lucene (BM25) index for the search tool, from JSONL or a folder of text files.</summary>
internal static class IndexCommand
{
    internal static Command Create()
    {
        var input = new Option<string>("--input") { Description = "A .jsonl corpus (id, title, text/contents per line) or a folder of .txt/.md files.", Required = true };
        var output = new Option<string>("--output") { Description = "The index folder to write (replaced when it exists).", Required = true };
        var words = CliOptions.Number("--passage-words", "Words per indexed passage.", "a whole number of at least 10", (int n) => n >= 10, defaultValue: new SearchIndexOptions().PassageWords);
        var command = new Command("index", "Build a Lucene index for the search tool ('agentflow ask --index FOLDER').") { input, output, words };
        command.SetAction(result =>
        {
            string path = InputPaths.RequireExisting("--input", result.GetValue(input)!);
            var clock = Stopwatch.StartNew();
            int documents = 0;
            var corpus = SearchCorpus.Read(path).Select(document =>
            {
                documents++;
                return document;
            });
            using var index = LuceneSearchIndex.Build(corpus, result.GetValue(output), new SearchIndexOptions { PassageWords = result.GetValue(words) });
            Console.Out.WriteLine($"indexed {documents} documents as {index.PassageCount} passages into {result.GetValue(output)} in {clock.Elapsed.TotalSeconds:F1} s");
            return ExitCodes.Success;
        });
        return command;
    }
}
