using System.Text.Json;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>Reads the GPT-2 style pair of files: <c>vocab.json</c> (token → id) and <c>merges.txt</c> ("left right" per line).</summary>
internal static class VocabAndMergesFiles
{
    /// <summary>The vocabulary of <paramref name="path"/>.</summary>
    public static Dictionary<string, int> ReadVocabulary(string path)
    {
        using var document = JsonFile.Parse(path);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"'{path}' should hold a JSON object of token → id, found {document.RootElement.ValueKind}.");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                throw new InvalidDataException($"'{path}': the id of '{entry.Name}' should be a non-negative integer.");
            result[entry.Name] = id;
        }
        return result;
    }

    /// <summary>The merges of <paramref name="path"/>, best first; an optional <c>#version</c> first line and blank lines are skipped.</summary>
    public static List<string> ReadMerges(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Merges file '{path}' does not exist.", path);
        var merges = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
                continue;
            var space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new InvalidDataException($"'{path}' line {lineNumber}: expected two tokens separated by one space, found '{line}'.");
            merges.Add(line);
        }
        return merges;
    }
}
