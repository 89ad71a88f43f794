using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models;

/// <summary>
/// A deliberately plain float64 re-statement of the Llama/Qwen2 forward pass, written from the model
/// definition (not from the production code): explicit per-head loops, softmax by hand, rotary by rotating
/// each (i, i + d/2) pair, and inverse frequencies computed element by element. The production model must
/// agree with it.
/// </summary>
internal static class ReferenceDecoder
{
    internal static Tensor Logits(CausalLM model, long[] ids)
    {
        var config = model.Config;
        var w = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().to(ScalarType.Float64));
        int t = ids.Length, heads = config.NumAttentionHeads, kvHeads = config.KeyValueHeads, d = config.HeadDimension;
        var inverse = InverseFrequencies(config);

        var h = w["model.embed_tokens.weight"].index_select(0, tensor(ids));
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            string p = $"model.layers.{layer}.";
            var x = Norm(h, w[p + "input_layernorm.weight"], config.RmsNormEps);
            var q = Project(x, w, p + "self_attn.q_proj");
            var k = Project(x, w, p + "self_attn.k_proj");
            var v = Project(x, w, p + "self_attn.v_proj");
            var outputs = new List<Tensor>();
            for (int head = 0; head < heads; head++)
            {
                int kvHead = head / (heads / kvHeads);
                var qh = Rotate(q.narrow(1, head * d, d), inverse);
                var kh = Rotate(k.narrow(1, kvHead * d, d), inverse);
                var vh = v.narrow(1, kvHead * d, d);
                var scores = qh.matmul(kh.t()) / Math.Sqrt(d);
                var future = ones(t, t, dtype: ScalarType.Bool).triu(1);
                scores = scores.masked_fill(future, double.NegativeInfinity);
                var weights = (scores - scores.max(1, keepdim: true).values).exp();
                weights = weights / weights.sum(1, keepdim: true);
                outputs.Add(weights.matmul(vh));
            }
            h = h + cat(outputs, 1).matmul(w[p + "self_attn.o_proj.weight"].t());
            var y = Norm(h, w[p + "post_attention_layernorm.weight"], config.RmsNormEps);
            var gate = Project(y, w, p + "mlp.gate_proj");
            var silu = gate / (1 + (-gate).exp());
            h = h + Project(silu * Project(y, w, p + "mlp.up_proj"), w, p + "mlp.down_proj");
        }
        h = Norm(h, w["model.norm.weight"], config.RmsNormEps);
        var head_ = config.TieWordEmbeddings ? w["model.embed_tokens.weight"] : w["lm_head.weight"];
        return h.matmul(head_.t());
    }

    private static Tensor Project(Tensor x, Dictionary<string, Tensor> w, string name)
    {
        var y = x.matmul(w[name + ".weight"].t());
        return w.TryGetValue(name + ".bias", out var bias) ? y + bias : y;
    }

    private static Tensor Norm(Tensor x, Tensor weight, double eps) =>
        weight * x / (x.pow(2).mean([1], keepdim: true) + eps).sqrt();

    private static Tensor Rotate(Tensor x, double[] inverse)
    {
        long tokens = x.shape[0];
        int half = inverse.Length;
        var result = x.clone();
        for (int pos = 0; pos < tokens; pos++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = pos * inverse[i], c = Math.Cos(angle), s = Math.Sin(angle);
                double a = x[pos, i].item<double>(), b = x[pos, i + half].item<double>();
                result[pos, i] = a * c - b * s;
                result[pos, i + half] = b * c + a * s;
            }
        }
        return result;
    }

    private static double[] InverseFrequencies(CausalLMConfig config)
    {
        int d = config.HeadDimension;
        var result = new double[d / 2];
        for (int i = 0; i < d / 2; i++)
        {
            double f = Math.Pow(config.RopeTheta, -2.0 * i / d);
            if (config.RopeScaling is { } s)
            {
                double wavelength = 2 * Math.PI / f;
                double lowWavelength = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
                double highWavelength = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
                if (wavelength > lowWavelength)
                    f /= s.Factor;
                else if (wavelength >= highWavelength)
                {
                    double smooth = (s.OriginalMaxPositionEmbeddings / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                    f = (1 - smooth) * f / s.Factor + smooth * f;
                }
            }
            result[i] = f;
        }
        return result;
    }
}
