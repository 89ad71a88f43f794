using System.Globalization;

namespace AgentFlow.MLNet.Tools;

/// <summary>Text helpers shared by the tools.</summary>
internal static class ToolText
{
    /// <summary>
    /// Shortens <paramref name="text"/> to at most <paramref name="maxCharacters"/> by cutting out its middle
    /// and saying how much was cut. The head and the tail both survive because both matter to a model: the
    /// head says what the output is, the tail holds the final answer or the error at the bottom of a traceback.
    /// <paramref name="maxCharacters"/> must leave room for the marker (about 50 characters).
    /// </summary>
    internal static string Truncate(string text, int maxCharacters, out bool truncated)
    {
        truncated = text.Length > maxCharacters;
        if (!truncated)
            return text;
        // Sized for the largest count it can print, so the real marker is never longer and the result fits the cap.
        string marker = Marker(text.Length);
        int kept = Math.Max(0, maxCharacters - marker.Length);
        int head = kept - kept / 2;
        int tail = kept / 2;
        // Never split a surrogate pair: half of one is not text.
        if (head > 0 && char.IsHighSurrogate(text[head - 1]))
            head--;
        if (tail > 0 && char.IsLowSurrogate(text[^tail]))
            tail--;
        return string.Concat(text.AsSpan(0, head), Marker(text.Length - head - tail), text.AsSpan(text.Length - tail));
    }

    /// <summary>A duration for messages, such as "1.5 s", the same in every culture.</summary>
    internal static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static string Marker(int omitted) => $"\n... [truncated: {omitted} characters omitted] ...\n";
}
