using System.Text.RegularExpressions;

namespace AgentFlow.MLNet.Tests.Snippets;

/// <summary>
/// The C# blocks of README.md and the files under samples/Snippets they quote, both copied beside the tests. A block
/// is announced by <c>&lt;!-- snippet: samples/Snippets/File.cs --&gt;</c> on the line before its fence and must be
/// that file's <c>#region README</c> parts, each dedented, joined by a blank line.
/// </summary>
internal static partial class ReadmeSnippets
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "ReadmeSnippets");

    /// <summary>Each <c>```csharp</c> block of the README with the snippet file announced before it (null when none is).</summary>
    public static IReadOnlyList<(string? File, string Code, int Line)> Blocks()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Folder, "README.md"));
        var blocks = new List<(string?, string, int)>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp")
                continue;
            int start = i + 1;
            int end = Array.FindIndex(lines, start, line => line.Trim() == "```");
            var announced = i > 0 ? Announcement().Match(lines[i - 1]) : Match.Empty;
            blocks.Add((announced.Success ? announced.Groups["file"].Value : null, string.Join('\n', lines[start..end]), i + 1));
            i = end;
        }
        return blocks;
    }

    /// <summary>The README text a snippet file stands for: its README regions, dedented, joined by a blank line.</summary>
    public static string Quoted(string snippetFile)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Folder, Path.GetFileName(snippetFile)));
        var regions = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "#region README")
                continue;
            int end = Array.FindIndex(lines, i + 1, line => line.Trim() == "#endregion");
            regions.Add(Dedent(lines[(i + 1)..end]));
            i = end;
        }
        return string.Join("\n\n", regions);
    }

    /// <summary>The snippet files (every .cs beside the README but the dispatching Program.cs).</summary>
    public static IEnumerable<string> SnippetFiles() =>
        Directory.GetFiles(Folder, "*.cs").Select(Path.GetFileName).Where(name => name != "Program.cs").Order(StringComparer.Ordinal)!;

    private static string Dedent(string[] lines)
    {
        int indent = lines.Where(line => line.Trim().Length > 0).Min(line => line.Length - line.TrimStart().Length);
        return string.Join('\n', lines.Select(line => line.Length >= indent ? line[indent..] : line.TrimStart()));
    }

    [GeneratedRegex(@"^<!-- snippet: samples/Snippets/(?<file>[A-Za-z]+\.cs) -->$")]
    private static partial Regex Announcement();
}
