using System.Text;
using Microsoft.ML.Tokenizers;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>Unicode NFC composition before tokenisation, as Qwen2's tokenizer.json (<c>"normalizer": {"type": "NFC"}</c>) asks.</summary>
internal sealed class NfcNormalizer : Normalizer
{
    public static NfcNormalizer Instance { get; } = new();

    private NfcNormalizer()
    {
    }

    public override string Normalize(string original)
    {
        try
        {
            return original.IsNormalized(NormalizationForm.FormC) ? original : original.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // Text with an unpaired surrogate has no normal form; it is left as it is and still encodes byte by byte.
            return original;
        }
    }

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
