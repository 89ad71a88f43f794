namespace AgentFlow.MLNet.Models.Generation;

/// <summary>How the next token is chosen and when a sequence ends. Defaults decode greedily for 256 tokens.</summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature; 0 means greedy (argmax). Default 0. AgentFlow's planner samples at 0.7.</summary>
    public double Temperature { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches this mass. Default 1 (off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens; 0 turns it off. Default 0.</summary>
    public int TopK { get; init; }

    /// <summary>Subtracted from a token's logit once per earlier occurrence in the completion (OpenAI semantics). Default 0.</summary>
    public double FrequencyPenalty { get; init; }

    /// <summary>Subtracted from a token's logit if it occurred in the completion at all. Default 0.</summary>
    public double PresencePenalty { get; init; }

    /// <summary>Most tokens generated per sequence. Default 256.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Token ids that end a sequence (included in the completion, like an EOS). Default none.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>
    /// Seed of the sampling generator: the same inputs and seed give the same samples. Default null: a fresh random
    /// seed per call, so repeated or split groups of rollouts never sample identical completions.
    /// </summary>
    public ulong? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Temperature < 0 || double.IsNaN(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be 0 (greedy) or positive.");
        if (TopP is <= 0 or > 1 || double.IsNaN(TopP))
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (TopK < 0)
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be 0 (off) or positive.");
        if (MaxNewTokens <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must be positive.");
    }
}
