using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Scoring;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Tests.Models.Scoring;

[Collection(TorchCollection.Name)]
public sealed class CompletionScorerTests : IDisposable
{
    private readonly CausalLM _model;

    public CompletionScorerTests()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        _model = TinyModels.Create(TinyModels.Llama(tied: true));
    }

    public void Dispose() => _model.Dispose();

    private static readonly ScoredSequence[] Batch =
    [
        new([3, 14, 15], [9, 2, 6, 5]),
        new([27, 1, 8, 28, 18, 2], [8]),
        new([4], [59, 13, 12]),
    ];

    /// <summary>Each sequence alone, full logits, log_softmax at the completion positions: the obvious way.</summary>
    private (float[] LogProbs, float[] Entropy) Naive(ScoredSequence s, double temperature)
    {
        using var scope = NewDisposeScope();
        long[] ids = s.PromptIds.Concat(s.CompletionIds).Select(i => (long)i).ToArray();
        var logits = _model.forward(new CausalLMInput(tensor(ids).unsqueeze(0))).Logits![0];
        var logProbs = (logits.narrow(0, s.PromptIds.Count - 1, s.CompletionIds.Count) / temperature).log_softmax(-1);
        var picked = logProbs.gather(1, tensor(s.CompletionIds.Select(i => (long)i).ToArray()).unsqueeze(1)).squeeze(1);
        var entropy = -(logProbs.exp() * logProbs).sum(-1);
        return (picked.data<float>().ToArray(), entropy.data<float>().ToArray());
    }

    [Fact]
    public void ChunkedScoresOfAPaddedBatchEqualEachSequenceScoredAlone()
    {
        using var noGrad = no_grad();
        var scorer = new CompletionScorer(_model, chunkTokens: 3);

        var scores = scorer.Score(Batch, temperature: 0.7, entropy: true);

        Assert.Equal([3, 4], scores.LogProbs.shape);
        for (int i = 0; i < Batch.Length; i++)
        {
            var (logProbs, entropy) = Naive(Batch[i], 0.7);
            for (int j = 0; j < 4; j++)
            {
                bool real = j < logProbs.Length;
                Assert.Equal(real ? 1f : 0f, scores.Mask[i, j].item<float>());
                Assert.Equal(real ? logProbs[j] : 0f, scores.LogProbs[i, j].item<float>(), 4);
                Assert.Equal(real ? entropy[j] : 0f, scores.Entropy![i, j].item<float>(), 4);
            }
        }
    }

    [Fact]
    public void ChunkedBackwardGivesTheGradientsOfTheWholeBatchLoss()
    {
        var weights = tensor(new float[] { 1.5f, -0.5f, 2.0f });
        double entropyCoefficient = 0.01;
        float tokens = Batch.Sum(s => s.CompletionIds.Count);

        // The obvious way: every score with its graph, one loss, one backward.
        _model.zero_grad();
        var scores = new CompletionScorer(_model, chunkTokens: 1000).Score(Batch, temperature: 0.7, entropy: true);
        var full = -((scores.LogProbs * weights.unsqueeze(1) + entropyCoefficient * scores.Entropy!) * scores.Mask).sum() / tokens;
        full.backward();
        var expected = _model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());

        _model.zero_grad();
        double total = new CompletionScorer(_model, chunkTokens: 2).Backward(Batch,
            chunk => -(chunk.LogProbs * weights.index_select(0, chunk.Sequence) + entropyCoefficient * chunk.Entropy).sum() / tokens,
            temperature: 0.7);

        Assert.Equal(full.item<float>(), total, 4);
        foreach (var (name, parameter) in _model.named_parameters())
            Assert.True(parameter.grad!.allclose(expected[name], rtol: 1e-4, atol: 1e-6), $"gradient of {name} differs");
    }

    [Fact]
    public void BadBatchesAreRejectedByName()
    {
        var scorer = new CompletionScorer(_model);

        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => scorer.Score([])).Message);
        Assert.Contains("Sequence 0", Assert.Throws<ArgumentException>(() => scorer.Score([new ScoredSequence([1], [])])).Message);
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => scorer.Score([new ScoredSequence([1], [500])])).Message);
        Assert.Equal("temperature", Assert.Throws<ArgumentOutOfRangeException>(() => scorer.Score(Batch, temperature: 0)).ParamName);
    }
}
