using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>Which positions of a forward pass get vocabulary logits.</summary>
public enum LogitsSelection
{
    /// <summary>Every position: [batch, tokens, vocab].</summary>
    All,

    /// <summary>Only the last position: [batch, 1, vocab] (what decoding needs).</summary>
    LastToken,

    /// <summary>No logits; callers project hidden states themselves (chunked log-probs).</summary>
    None,
}

/// <summary>Inputs of <see cref="CausalLM.forward(CausalLMInput)"/>.</summary>
/// <param name="InputIds">[batch, tokens] token ids (int64).</param>
public sealed record CausalLMInput(Tensor InputIds)
{
    /// <summary>
    /// [batch, tokens] positions. Default: continuing after the cached tokens, or, when <see cref="AttentionMask"/> is
    /// given, the count of real tokens before each one (so left-padded rows start at 0).
    /// </summary>
    public Tensor? PositionIds { get; init; }

    /// <summary>[batch, cached + tokens], 1 for real tokens and 0 for padding, covering the cached tokens too; null when no row is padded.</summary>
    public Tensor? AttentionMask { get; init; }

    /// <summary>Keys/values of earlier tokens of the same rows; the forward pass appends this call's tokens to it. Null for a full forward.</summary>
    public KeyValueCache? Cache { get; init; }

    /// <summary>
    /// Per row, whether the LoRA adapters take part (true) or the row sees the base weights (false); null means every
    /// row uses them (when they are attached and switched on). Lets one batch mix the trained planner with the frozen
    /// modules and the reference policy.
    /// </summary>
    public IReadOnlyList<bool>? AdapterRows { get; init; }

    /// <summary>Which positions get logits. Default <see cref="LogitsSelection.All"/>.</summary>
    public LogitsSelection Logits { get; init; } = LogitsSelection.All;
}

/// <summary>Outputs of <see cref="CausalLM.forward(CausalLMInput)"/>. The caller disposes both tensors (or lets a dispose scope do it).</summary>
/// <param name="Logits">Vocabulary logits as chosen by <see cref="CausalLMInput.Logits"/>; null for <see cref="LogitsSelection.None"/>.</param>
/// <param name="LastHiddenState">[batch, tokens, hidden] after the final norm.</param>
public sealed record CausalLMOutput(Tensor? Logits, Tensor LastHiddenState);
