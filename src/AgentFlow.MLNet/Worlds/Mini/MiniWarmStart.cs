using System.Diagnostics;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Scoring;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Worlds.Mini;

/// <summary>
/// The warm start: supervised fine-tuning of the whole base model on planner demonstrations (token-mean negative
/// log-likelihood of the completions, prompts exactly as the chat client encodes them). Run it before LoRA is
/// attached: the base then is the warm-started planner, and the reference policy (adapters off) is the same weights.
/// </summary>
public static class MiniWarmStart
{
    /// <summary>Trains the hosted model (a write) and returns the mean loss of each step and the time taken.</summary>
    public static Task<(IReadOnlyList<double> Losses, TimeSpan Elapsed)> TrainAsync(
        ModelHost host, IReadOnlyList<PlannerDemonstration> demonstrations, MiniWarmStartOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(demonstrations);
        options ??= new MiniWarmStartOptions();
        options.Validate();
        if (demonstrations.Count == 0)
            throw new ArgumentException("There are no demonstrations to learn from.", nameof(demonstrations));
        var local = host.Model;
        int stop = local.StopTokenIds.Count > 0 ? local.StopTokenIds[0] : throw new InvalidOperationException($"'{local.Source}' has no end-of-sequence token to end a demonstration with.");
        var sequences = demonstrations
            .Select(d => new ScoredSequence(local.EncodePrompt(d.Prompt, chat: true), [.. local.Tokenizer.Encode(d.Completion), stop]))
            .ToList();
        return host.RunAsync(model =>
        {
            var clock = Stopwatch.StartNew();
            var losses = new List<double>(options.Steps);
            var random = new Random(options.Seed);
            var scorer = new CompletionScorer(model);
            model.train();
            try
            {
                using var optimizer = optim.AdamW(model.parameters(), lr: options.LearningRate);
                for (int step = 0; step < options.Steps; step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var batch = Enumerable.Range(0, options.BatchSize).Select(_ => sequences[random.Next(sequences.Count)]).ToList();
                    int tokens = batch.Sum(s => s.CompletionIds.Count);
                    optimizer.zero_grad();
                    losses.Add(scorer.Backward(batch, chunk => -chunk.LogProbs.sum() / tokens));
                    optimizer.step();
                }
            }
            finally
            {
                model.eval();
            }
            return ((IReadOnlyList<double>)losses, clock.Elapsed);
        }, ModelAccess.Write, cancellationToken);
    }
}
