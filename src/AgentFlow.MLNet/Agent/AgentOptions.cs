using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Agent;

/// <summary>Loop control and prompt budgets of an <see cref="AgentFlowAgent"/>. Defaults follow the AgentFlow reference at evaluation.</summary>
public sealed record AgentOptions
{
    /// <summary>Most planner turns per question. Default 10 (the reference's evaluation setting; training uses 3, see <see cref="Training"/>).</summary>
    public int MaxTurns { get; init; } = 10;

    /// <summary>Wall-clock budget per question; when it runs out the loop stops and the generator answers from what it has. Default 300 s.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Whether a query analysis is written into memory before the first turn. Default true.</summary>
    public bool AnalyzeQuery { get; init; } = true;

    /// <summary>Tokens the rendered memory may take in a prompt. Default 3000.</summary>
    public int MemoryTokenBudget { get; init; } = 3000;

    /// <summary>Tokens one tool result may take in memory before it is cut with a marker. Default 800.</summary>
    public int MaxResultTokens { get; init; } = 800;

    /// <summary>Counts tokens for the budgets. Default: characters / 4, rounded up (pass a tokenizer's count for exact budgets).</summary>
    public Func<string, int> CountTokens { get; init; } = text => (text.Length + 3) / 4;

    /// <summary>Sampling for the planner's calls. Default temperature 0 (evaluation); rollouts use 0.7 (see <see cref="Training"/>).</summary>
    public ChatOptions PlannerChatOptions { get; init; } = new() { Temperature = 0 };

    /// <summary>Sampling for the frozen modules (query analysis, executor, verifier, generator). Default temperature 0.</summary>
    public ChatOptions FrozenChatOptions { get; init; } = new() { Temperature = 0 };

    /// <summary>The reference's training settings: 3 turns, planner sampled at temperature 0.7, top-p 0.99, frequency penalty 1.2.</summary>
    public static AgentOptions Training { get; } = new()
    {
        MaxTurns = 3,
        PlannerChatOptions = new ChatOptions { Temperature = 0.7f, TopP = 0.99f, FrequencyPenalty = 1.2f },
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (MaxTurns <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxTurns), MaxTurns, "At least one turn is needed.");
        if (TimeBudget <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), TimeBudget, "The time budget must be positive.");
        if (MemoryTokenBudget < 64)
            throw new ArgumentOutOfRangeException(nameof(MemoryTokenBudget), MemoryTokenBudget, "The memory budget must be at least 64 tokens.");
        if (MaxResultTokens <= 0 || MaxResultTokens > MemoryTokenBudget)
            throw new ArgumentOutOfRangeException(nameof(MaxResultTokens), MaxResultTokens, "A result's budget must be positive and at most the memory budget.");
    }
}
