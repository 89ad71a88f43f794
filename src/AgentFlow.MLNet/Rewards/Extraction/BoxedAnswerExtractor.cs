namespace AgentFlow.MLNet.Rewards.Extraction;

/// <summary>
/// Reads the last LaTeX <c>\boxed{...}</c> (or <c>\fbox{...}</c>), the usual way math models mark a final
/// answer. Braces nest (<c>\boxed{\frac{3}{4}}</c> gives <c>\frac{3}{4}</c>); a box whose braces never close
/// is skipped in favour of an earlier complete one.
/// </summary>
public sealed class BoxedAnswerExtractor : IAnswerExtractor
{
    private static readonly string[] Commands = [@"\boxed", @"\fbox"];

    /// <inheritdoc />
    public string? Extract(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        int searchEnd = response.Length;
        while (searchEnd > 0)
        {
            (int command, int length) = LastCommandBefore(response, searchEnd);
            if (command < 0)
                return null;
            string? content = BracedGroupAt(response, command + length);
            if (!string.IsNullOrWhiteSpace(content))
                return content.Trim();
            searchEnd = command;
        }
        return null;
    }

    /// <summary>Where the last box command starting before <paramref name="end"/> is, and its length; -1 when none.</summary>
    private static (int Index, int Length) LastCommandBefore(string text, int end)
    {
        (int index, int length) = (-1, 0);
        foreach (string command in Commands)
        {
            int found = end == 0 ? -1 : text.LastIndexOf(command, end - 1, StringComparison.Ordinal);
            if (found > index)
                (index, length) = (found, command.Length);
        }
        return (index, length);
    }

    /// <summary>The content of the brace group that opens at <paramref name="position"/> (after optional spaces), or null when it does not close.</summary>
    private static string? BracedGroupAt(string text, int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
            position++;
        if (position >= text.Length || text[position] != '{')
            return null;
        int depth = 0;
        for (int i = position; i < text.Length; i++)
        {
            if (text[i] == '{')
                depth++;
            else if (text[i] == '}' && --depth == 0)
                return text[(position + 1)..i];
        }
        return null;
    }
}
