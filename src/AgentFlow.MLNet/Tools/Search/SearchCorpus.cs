using System.Globalization;
using System.Text.Json;

namespace AgentFlow.MLNet.Tools.Search;

/// <summary>
/// Reads the documents of a local corpus: a JSONL file (one JSON object a line, with <c>id</c>, <c>title</c>
/// and <c>text</c> or <c>contents</c>, as Wikipedia dumps and retrieval corpora are distributed) or a folder
/// of <c>.txt</c> and <c>.md</c> files. Documents are streamed, so a corpus need not fit in memory.
/// </summary>
public static class SearchCorpus
{
    /// <summary>Reads <paramref name="path"/>: a folder of text files, or else a JSONL file.</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A JSONL line is not a JSON object with a text.</exception>
    public static IEnumerable<SearchDocument> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            return ReadFolder(path);
        return File.Exists(path) ? ReadJsonl(path) : throw new FileNotFoundException($"No corpus file or folder at {path}.", path);
    }

    /// <summary>
    /// Reads a JSONL corpus. Per line: <c>id</c> (string or number; default <c>file:line</c>), <c>title</c>
    /// (optional) and <c>text</c> or <c>contents</c> (required). A line without a title whose text starts with
    /// a quoted first line takes that line as its title: the DPR-style Wikipedia passage dumps are written
    /// that way (<c>"contents": "\"Title\"\nText"</c>). Blank lines are skipped.
    /// </summary>
    /// <exception cref="InvalidDataException">A line is not a JSON object with a string text; the message names the file and line.</exception>
    public static IEnumerable<SearchDocument> ReadJsonl(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (!string.IsNullOrWhiteSpace(line))
                yield return ParseLine(path, lineNumber, line);
        }
    }

    /// <summary>
    /// Reads every <c>.txt</c> and <c>.md</c> file under <paramref name="folder"/>, in path order. The id is the
    /// path relative to the folder (with <c>/</c>); the title is a Markdown file's first <c># heading</c>, else
    /// the file name without its extension.
    /// </summary>
    public static IEnumerable<SearchDocument> ReadFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetExtension(file).ToLowerInvariant() is ".txt" or ".md")
            .Select(file => Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);
        foreach (string relative in files)
        {
            string text = File.ReadAllText(Path.Combine(folder, relative));
            yield return new SearchDocument(relative, TitleOf(relative, text), text);
        }
    }

    private static SearchDocument ParseLine(string path, int lineNumber, string line)
    {
        string where = $"{path} line {lineNumber}";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{where}: not valid JSON ({exception.Message}).", exception);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where}: expected a JSON object, found {root.ValueKind}.");
            string text = ReadString(root, "text", where) ?? ReadString(root, "contents", where)
                ?? throw new InvalidDataException($"{where}: the object has no string field 'text' or 'contents'.");
            string id = ReadId(root, where) ?? $"{Path.GetFileName(path)}:{lineNumber}";
            string? title = ReadString(root, "title", where);
            if (title is null)
                (title, text) = SplitQuotedTitle(text);
            return new SearchDocument(id, title, text);
        }
    }

    private static string? ReadString(JsonElement root, string name, string where)
    {
        if (!root.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
            return null;
        return field.ValueKind == JsonValueKind.String
            ? field.GetString()
            : throw new InvalidDataException($"{where}: the field '{name}' must be a string, found {field.ValueKind}.");
    }

    private static string? ReadId(JsonElement root, string where)
    {
        if (!root.TryGetProperty("id", out var id) || id.ValueKind == JsonValueKind.Null)
            return null;
        return id.ValueKind switch
        {
            JsonValueKind.String => id.GetString(),
            JsonValueKind.Number => id.GetRawText(),
            _ => throw new InvalidDataException($"{where}: the field 'id' must be a string or a number, found {id.ValueKind}."),
        };
    }

    private static (string Title, string Text) SplitQuotedTitle(string text)
    {
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        // The first line may end in "\r\n" (a corpus written on Windows).
        int lineEnd = newline > 0 && text[newline - 1] == '\r' ? newline - 1 : newline;
        if (lineEnd > 1 && text[0] == '"' && text[lineEnd - 1] == '"')
            return (text[1..(lineEnd - 1)], text[(newline + 1)..]);
        return ("", text);
    }

    private static string TitleOf(string relativePath, string text)
    {
        if (relativePath.EndsWith(".md", ignoreCase: true, CultureInfo.InvariantCulture))
        {
            string? heading = text.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("# ", StringComparison.Ordinal));
            if (heading is not null)
                return heading[2..].Trim();
        }
        return Path.GetFileNameWithoutExtension(relativePath);
    }
}
