using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Gguf;

/// <summary>
/// The row permutation llama.cpp's HF-to-GGUF converter applies to Llama q/k projections (weights and
/// biases), and its inverse. Hugging Face rotates the two halves of each head's dimensions
/// (<c>rotate_half</c>); llama.cpp's <c>llama</c> rope rotates adjacent pairs. The converter's
/// <c>LlamaModel.permute</c> therefore reshapes the rows to <c>[heads, 2, head_dim/2]</c> and swaps the
/// last two axes, so GGUF row <c>h*d + 2j + c</c> holds HF row <c>h*d + c*d/2 + j</c>. The head count is
/// the query heads for q and the key/value heads for k.
/// </summary>
internal static class LlamaRotaryPermutation
{
    /// <summary>Hugging Face row order to GGUF row order (what the converter does).</summary>
    internal static Tensor ToGguf(Tensor tensor, int heads) => SwapRowAxes(tensor, heads, halvesFirst: true);

    /// <summary>GGUF row order back to Hugging Face row order (what loading must do).</summary>
    internal static Tensor FromGguf(Tensor tensor, int heads) => SwapRowAxes(tensor, heads, halvesFirst: false);

    private static Tensor SwapRowAxes(Tensor tensor, int heads, bool halvesFirst)
    {
        long[] shape = tensor.shape;
        long half = shape[0] / heads / 2;
        long[] split = [heads, halvesFirst ? 2 : half, halvesFirst ? half : 2, .. shape[1..]];
        return tensor.reshape(split).transpose(1, 2).reshape(shape);
    }
}
