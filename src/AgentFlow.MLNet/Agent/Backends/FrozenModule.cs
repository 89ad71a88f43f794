namespace AgentFlow.MLNet.Agent.Backends;

/// <summary>The modules that are never trained and so may run anywhere: locally or on an OpenAI-compatible endpoint.</summary>
public enum FrozenModule
{
    /// <summary>Writes the query analysis before the first turn.</summary>
    QueryAnalysis,

    /// <summary>Turns the planner's step into a tool call.</summary>
    Executor,

    /// <summary>Decides STOP or CONTINUE after each step.</summary>
    Verifier,

    /// <summary>Writes the final answer.</summary>
    Generator,

    /// <summary>The LLM judge that scores answers against the gold one.</summary>
    Judge,

    /// <summary>The model behind the <c>base_generator</c> tool.</summary>
    BaseGenerator,
}
