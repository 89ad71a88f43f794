using System.Text;

namespace AgentFlow.Cli.Agents;

/// <summary>
/// Splits CSV or TSV text into records by RFC 4180: a field in double quotes may hold the delimiter, line breaks
/// (blank lines too) and doubled quotes; a quote inside an unquoted field is kept as text. Records end at LF, CRLF or
/// CR; lines that are empty or only spaces and tabs between records are skipped. TSV files follow the same quoting
/// (as Excel and Python's csv module write them), so a field that starts with a quote must be quoted whole. Each record carries the line it starts on, counted by this reader (the
/// framework's <c>TextFieldParser</c> drops blank lines inside quotes and misnumbers records after blank lines).
/// </summary>
internal static class DelimitedRecords
{
    internal readonly record struct Record(int Line, string[] Fields);

    /// <exception cref="InvalidDataException">A quote is left open, or text follows a closing quote; the message names the line.</exception>
    internal static IEnumerable<Record> Read(string text, char delimiter, string path)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool recordStarted = false;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"' && field.Length == 0)
            {
                int quoteLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new InvalidDataException($"{path}:{quoteLine}: a quoted field opened on this line is never closed");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
                        line++;
                    field.Append(text[i++]);
                }
                recordStarted = true;
                if (i < text.Length && text[i] != delimiter && text[i] != '\n' && text[i] != '\r')
                    throw new InvalidDataException($"{path}:{line}: text follows a closing quote (a quote inside a quoted field is written twice: \"\")");
                continue;
            }
            if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
                recordStarted = true;
                i++;
                continue;
            }
            if (c == '\n' || c == '\r')
            {
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                if (recordStarted || !IsBlank(field))
                {
                    fields.Add(field.ToString());
                    yield return new Record(recordLine, [.. fields]);
                }
                fields.Clear();
                field.Clear();
                recordStarted = false;
                line++;
                recordLine = line;
                continue;
            }
            field.Append(c);
            i++;
        }
        if (recordStarted || !IsBlank(field))
        {
            fields.Add(field.ToString());
            yield return new Record(recordLine, [.. fields]);
        }
    }

    private static bool IsBlank(StringBuilder field)
    {
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] is not (' ' or '\t'))
                return false;
        }
        return true;
    }
}
