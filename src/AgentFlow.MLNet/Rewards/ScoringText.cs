namespace AgentFlow.MLNet.Rewards;

/// <summary>Formatting shared by the scorers' reasons, so reasons read alike and stay short.</summary>
internal static class ScoringText
{
    /// <summary>The longest excerpt of model text a reason quotes.</summary>
    internal const int MaxQuoteLength = 200;

    /// <summary>Quoted, comma-separated values: 'a', 'b'.</summary>
    internal static string List<T>(IEnumerable<T> values) => string.Join(", ", values.Select(v => $"'{v}'"));

    /// <summary><paramref name="text"/> cut to <see cref="MaxQuoteLength"/> characters, marked when cut.</summary>
    internal static string Quote(string text) =>
        text.Length <= MaxQuoteLength ? text : string.Concat(text.AsSpan(0, MaxQuoteLength), "…");
}
