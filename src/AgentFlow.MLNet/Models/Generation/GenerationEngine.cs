using TorchSharp;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models.Generation;

/// <summary>
/// Batched decoding for a <see cref="CausalLM"/>: left-pads the prompts, prefills each prompt once into a
/// preallocated <see cref="KeyValueCache"/>, fans it out to its group of samples, then decodes every live row one
/// token per step, dropping rows as they finish. Returns token ids and log-probs (token in, token out).
/// </summary>
public sealed class GenerationEngine
{
    private readonly CausalLM _model;

    /// <summary>Decodes with <paramref name="model"/> (switched to evaluation mode).</summary>
    public GenerationEngine(CausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>
    /// Generates <paramref name="samplesPerPrompt"/> completions of every prompt. Results are ordered by prompt,
    /// then sample. Seeded: the same inputs and <see cref="SamplingOptions.Seed"/> give the same tokens.
    /// </summary>
    /// <param name="prompts">Token ids of each prompt; each needs at least one token (e.g. BOS).</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="samplesPerPrompt">Samples per prompt (GRPO's group size G); the prompt is prefilled once for all of them.</param>
    /// <param name="cancellationToken">Stops between decode steps; unfinished rows end with <see cref="FinishReason.Cancelled"/>.</param>
    /// <param name="onToken">
    /// Called after each sampled token with (result index, token id); returning a reason ends that row there (the token
    /// stays in its completion) and frees its place in the batch. Used for streaming, stop strings and per-request
    /// cancellation.
    /// </param>
    public IReadOnlyList<GeneratedSequence> Generate(
        IReadOnlyList<IReadOnlyList<int>> prompts,
        SamplingOptions options,
        int samplesPerPrompt = 1,
        CancellationToken cancellationToken = default,
        Func<int, int, FinishReason?>? onToken = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (samplesPerPrompt <= 0)
            throw new ArgumentOutOfRangeException(nameof(samplesPerPrompt), samplesPerPrompt, "At least one sample per prompt is needed.");
        ValidatePrompts(prompts);
        if (prompts.Count == 0)
            return [];

        bool wasTraining = _model.training;
        _model.eval();
        try
        {
            return Decode(prompts, options, samplesPerPrompt, cancellationToken, onToken);
        }
        finally
        {
            _model.train(wasTraining);
        }
    }

    private List<GeneratedSequence> Decode(IReadOnlyList<IReadOnlyList<int>> prompts, SamplingOptions options, int samplesPerPrompt, CancellationToken cancellationToken, Func<int, int, FinishReason?>? onToken)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = _model.parameters().First().device;
        int promptLength = prompts.Max(p => p.Count);
        int rows = prompts.Count * samplesPerPrompt;
        // Each row may grow to the model's context from its own prompt length: a long prompt in the batch does not cut the others short.
        int[] budgets = Enumerable.Range(0, rows).Select(r => Math.Min(options.MaxNewTokens, _model.Config.MaxPositionEmbeddings - prompts[r / samplesPerPrompt].Count)).ToArray();

        var (ids, mask) = LeftPad(prompts, promptLength, device);
        using var cache = KeyValueCache.Create(_model, prompts.Count, promptLength + budgets.Max());
        var logits = Prefill(ids, mask, cache);

        // Fan every prefilled prompt out to its group: row r of the decode batch continues prompt r / G.
        if (samplesPerPrompt > 1)
        {
            var fanOut = arange(prompts.Count, dtype: ScalarType.Int64, device: device).repeat_interleave(samplesPerPrompt);
            cache.SelectRows(fanOut);
            Replace(ref logits, logits.index_select(0, fanOut));
            Replace(ref mask, mask.index_select(0, fanOut));
        }

        var completions = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        var logProbs = Enumerable.Range(0, rows).Select(_ => new List<float>()).ToArray();
        var finish = new FinishReason?[rows];
        var live = Enumerable.Range(0, rows).ToList();       // decode-batch row -> result index
        var counts = zeros(rows, _model.Config.VocabSize, device: device);
        var stops = options.StopTokenIds.ToHashSet();
        // Unseeded requests draw a fresh seed, so repeated or split groups never sample identical completions.
        using var generator = new Generator(options.Seed ?? (ulong)Random.Shared.NextInt64(), device);

        while (live.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            using var stepScope = NewDisposeScope();
            var (tokens, tokenLogProbs) = TokenSampler.Sample(logits, counts, options, generator);
            long[] picked = tokens.cpu().data<long>().ToArray();
            float[] pickedLogProbs = tokenLogProbs.cpu().data<float>().ToArray();

            var keep = new List<long>();
            for (int row = 0; row < live.Count; row++)
            {
                int result = live[row];
                int token = (int)picked[row];
                completions[result].Add(token);
                logProbs[result].Add(pickedLogProbs[row]);
                var ended = stops.Contains(token) ? FinishReason.Stop
                    : completions[result].Count >= budgets[result] ? FinishReason.Length
                    : (FinishReason?)null;
                // The caller's verdict wins, except that a stop token stays a stop even at the token limit.
                ended = onToken?.Invoke(result, token) switch
                {
                    null => ended,
                    FinishReason.Length when ended == FinishReason.Stop => FinishReason.Stop,
                    var verdict => verdict,
                };
                if (ended is { } reason)
                    finish[result] = reason;
                else
                    keep.Add(row);
            }
            if (keep.Count == 0)
                break;

            counts.scatter_add_(1, tokens.unsqueeze(1), ones(tokens.shape[0], 1, device: device));
            var next = tokens.unsqueeze(1);
            Replace(ref mask, cat([mask, ones(mask.shape[0], 1, dtype: mask.dtype, device: device)], 1));
            if (keep.Count < live.Count)
            {
                var kept = tensor(keep.ToArray(), device: device);
                cache.SelectRows(kept);
                next = next.index_select(0, kept);
                Replace(ref mask, mask.index_select(0, kept));
                Replace(ref counts, counts.index_select(0, kept));
                live = keep.Select(row => live[(int)row]).ToList();
            }
            Replace(ref logits, _model.forward(new CausalLMInput(next) { AttentionMask = mask, Cache = cache, Logits = LogitsSelection.LastToken }).Logits!.squeeze(1));
        }

        return Enumerable.Range(0, rows)
            .Select(r => new GeneratedSequence(r / samplesPerPrompt, prompts[r / samplesPerPrompt], completions[r], logProbs[r], finish[r] ?? FinishReason.Cancelled))
            .ToList();
    }

    /// <summary>Runs the prompts through the model into the cache and returns the last position's logits; nothing else of the pass is kept.</summary>
    private Tensor Prefill(Tensor ids, Tensor mask, KeyValueCache cache)
    {
        using var scope = NewDisposeScope();
        var output = _model.forward(new CausalLMInput(ids) { AttentionMask = mask, Cache = cache, Logits = LogitsSelection.LastToken });
        return output.Logits!.squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Swaps in a tensor made inside a decode step: it leaves the step's dispose scope, and the one it replaces is
    /// freed now rather than at the end of the request, so memory stays flat however many steps run.
    /// </summary>
    private static void Replace(ref Tensor current, Tensor next)
    {
        next.MoveToOuterDisposeScope();
        current.Dispose();
        current = next;
    }

    private void ValidatePrompts(IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        int vocabulary = _model.Config.VocabSize, context = _model.Config.MaxPositionEmbeddings;
        for (int i = 0; i < prompts.Count; i++)
        {
            if (prompts[i] is null || prompts[i].Count == 0)
                throw new ArgumentException($"Prompt {i} has no tokens; start it with the model's BOS token.", nameof(prompts));
            if (prompts[i].Count >= context)
                throw new ArgumentException($"Prompt {i} has {prompts[i].Count} tokens, which leaves no room in the model's {context}-token context.", nameof(prompts));
            foreach (int id in prompts[i])
            {
                if (id < 0 || id >= vocabulary)
                    throw new ArgumentException($"Prompt {i} holds token id {id}, outside the vocabulary [0, {vocabulary}).", nameof(prompts));
            }
        }
    }

    /// <summary>[prompts, length] ids and attention mask with each prompt right-aligned (left padding, pad id 0).</summary>
    private static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<IReadOnlyList<int>> prompts, int length, Device device)
    {
        var ids = new long[prompts.Count * length];
        var mask = new long[prompts.Count * length];
        for (int p = 0; p < prompts.Count; p++)
        {
            int offset = p * length + length - prompts[p].Count;
            for (int t = 0; t < prompts[p].Count; t++)
            {
                ids[offset + t] = prompts[p][t];
                mask[offset + t] = 1;
            }
        }
        return (tensor(ids, device: device).reshape(prompts.Count, length), tensor(mask, device: device).reshape(prompts.Count, length));
    }
}
