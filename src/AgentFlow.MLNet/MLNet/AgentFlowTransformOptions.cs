using AgentFlow.MLNet.Agent;
using AgentFlow.MLNet.Agent.Prompts;
using AgentFlow.MLNet.Rewards;
using AgentFlow.MLNet.Tools;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.MLNet;

/// <summary>How an <see cref="AgentFlowTransformer"/> reads its input and runs the agent. Options are copied, never mutated.</summary>
public sealed record AgentFlowTransformOptions
{
    /// <summary>The input column holding the question (text). Default <see cref="AgentFlowColumns.Question"/>.</summary>
    public string QuestionColumnName { get; init; } = AgentFlowColumns.Question;

    /// <summary>
    /// The input column holding the gold answer (text). When set and present in the input, the output gets a
    /// <see cref="AgentFlowColumns.Reward"/> column. Default null (no reward).
    /// </summary>
    public string? LabelColumnName { get; init; }

    /// <summary>
    /// Rows a cursor reads ahead and solves together: their module calls meet in the model host's continuous batch,
    /// so the engine decodes many sequences per step. Default 64, the model host's batch (<c>ModelHostOptions.MaxBatchSize</c>):
    /// a smaller read-ahead leaves the host part empty (on the tiny model 64 questions ran 3.8× faster than row by row at 16,
    /// 5.4× at 64; perf/README.md), a larger one only queues rows in the host. The cost is that a batch's first row is returned when
    /// its last has been solved.
    /// </summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Most tokens any one module call may generate. Default 512.</summary>
    public int MaxNewTokens { get; init; } = 512;

    /// <summary>The agent's loop settings (turns, time budget, memory budget, sampling). Default <see cref="AgentOptions"/>: 10 turns, greedy.</summary>
    public AgentOptions Agent { get; init; } = new();

    /// <summary>The prompt set. Default <see cref="AgentPrompts.Default"/>.</summary>
    public AgentPrompts? Prompts { get; init; }

    /// <summary>The tools the planner chooses from. Default: the calculator alone.</summary>
    public ToolRegistry? Tools { get; init; }

    /// <summary>Scores the answer against the label column for <see cref="AgentFlowColumns.Reward"/>. Default <see cref="ExactMatchScorer"/>.</summary>
    public IAnswerScorer? Scorer { get; init; }

    /// <summary>
    /// The client behind the frozen modules (query analysis, executor, verifier, generator), e.g. an OpenAI-compatible
    /// server. Default null: the pipeline's own model with its adapters off. Not saved by <c>SaveAgentFlow</c> (pass it again when loading).
    /// </summary>
    public IChatClient? FrozenModules { get; init; }

    /// <summary>Seeds each row's sampling (from the seed and the row's position, so batching does not change results). Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>What to do with a missing, empty or white-space question, or one that is not Unicode text (a lone surrogate). Default <see cref="InvalidQuestionHandling.Throw"/>.</summary>
    public InvalidQuestionHandling InvalidQuestions { get; init; } = InvalidQuestionHandling.Throw;

    /// <summary>
    /// Stops cursors at their next batch (and the batch in flight) with <see cref="OperationCanceledException"/>. Not
    /// saved with the model. Default none.
    /// </summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(QuestionColumnName, nameof(QuestionColumnName));
        if (LabelColumnName is not null && LabelColumnName.Trim().Length == 0)
            throw new ArgumentException("LabelColumnName must be null or a column name.", nameof(LabelColumnName));
        if (BatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "At least one row per batch is needed.");
        if (MaxNewTokens <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "Module calls need at least one new token.");
        ArgumentNullException.ThrowIfNull(Agent, nameof(Agent));
        Agent.Validate();
    }
}
