namespace AgentFlow.MLNet.Models.Generation;

/// <summary>Why a sequence stopped growing.</summary>
public enum FinishReason
{
    /// <summary>It produced a stop token (or stop string).</summary>
    Stop,

    /// <summary>It reached <see cref="SamplingOptions.MaxNewTokens"/> or the model's context.</summary>
    Length,

    /// <summary>The caller cancelled the request.</summary>
    Cancelled,
}
