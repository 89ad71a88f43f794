namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>One weight of a Llama/Qwen2 model as it appears in PyTorch and in GGUF.</summary>
/// <param name="HuggingFaceName">The Hugging Face parameter name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="GgufName">The llama.cpp tensor name, e.g. <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Shape">The PyTorch shape.</param>
/// <param name="RotaryHeads">
/// For a Llama q/k projection (weight or bias): the head count whose rows llama.cpp's converter permutes;
/// 0 for every other tensor.
/// </param>
internal sealed record GgufTensorSlot(string HuggingFaceName, string GgufName, long[] Shape, int RotaryHeads);
