namespace AgentFlow.MLNet.Rewards.Extraction;

/// <summary>Shared extractor instances and the default chain.</summary>
public static class AnswerExtractors
{
    /// <summary>The last <c>&lt;answer&gt;</c> tag.</summary>
    public static IAnswerExtractor AnswerTag { get; } = new AnswerTagExtractor();

    /// <summary>The last <c>\boxed{...}</c>.</summary>
    public static IAnswerExtractor Boxed { get; } = new BoxedAnswerExtractor();

    /// <summary>The GSM8K <c>#### answer</c> line.</summary>
    public static IAnswerExtractor Gsm8k { get; } = new Gsm8kAnswerExtractor();

    /// <summary>The whole response, without an <c>Answer:</c> label.</summary>
    public static IAnswerExtractor Plain { get; } = new PlainAnswerExtractor();

    /// <summary>
    /// The chain the scorers use unless told otherwise: answer tag, then <c>\boxed{}</c>, then <c>####</c>,
    /// then the plain text. The tag comes first because AgentFlow's prompts ask for it; the plain fallback
    /// means a bare answer ("Paris") is still read.
    /// </summary>
    public static IAnswerExtractor Default { get; } = FirstOf(AnswerTag, Boxed, Gsm8k, Plain);

    /// <summary>A chain that returns the first answer any of <paramref name="extractors"/> finds, in order.</summary>
    public static IAnswerExtractor FirstOf(params IAnswerExtractor[] extractors) => new FirstMatchExtractor(extractors);
}
