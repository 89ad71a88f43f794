using AgentFlow.MLNet.Models.Decoder;

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
        // Every row gets its own seed from (request seed, row): the samples of a group differ, a row reproduces exactly
        // whatever else is decoded with it, and G samples of one prompt equal the same prompt repeated G times (prefix
        // sharing changes nothing but speed). Unseeded requests draw the request seed afresh.
        ulong seed = options.Seed ?? (ulong)Random.Shared.NextInt64();
        int context = _model.Config.MaxPositionEmbeddings;
        var rows = new DecodeRow[prompts.Count * samplesPerPrompt];
        for (int r = 0; r < rows.Length; r++)
        {
            int result = r;
            var sampling = options with { Seed = RowRandom.Derive(seed, r) };
            rows[r] = new DecodeRow(prompts[r / samplesPerPrompt], sampling, useAdapters: true, context, onToken is null ? null : token => onToken(result, token));
        }

        using var batch = new DecodeBatch(_model);
        batch.Admit(rows);
        while (batch.Count > 0 && !cancellationToken.IsCancellationRequested)
            batch.Step();
        batch.CancelAll();
        return rows.Select((row, r) => row.ToSequence(r / samplesPerPrompt)).ToList();
    }

    private void ValidatePrompts(IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        for (int i = 0; i < prompts.Count; i++)
            ValidatePrompt(_model.Config, prompts[i], $"Prompt {i}", nameof(prompts));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="prompt"/> is a non-empty run of in-vocabulary ids that leaves room in the context.</summary>
    internal static void ValidatePrompt(CausalLMConfig config, IReadOnlyList<int>? prompt, string what, string parameter)
    {
        if (prompt is null || prompt.Count == 0)
            throw new ArgumentException($"{what} has no tokens; start it with the model's BOS token.", parameter);
        if (prompt.Count >= config.MaxPositionEmbeddings)
            throw new ArgumentException($"{what} has {prompt.Count} tokens, which leaves no room in the model's {config.MaxPositionEmbeddings}-token context.", parameter);
        foreach (int id in prompt)
        {
            if (id < 0 || id >= config.VocabSize)
                throw new ArgumentException($"{what} holds token id {id}, outside the vocabulary [0, {config.VocabSize}).", parameter);
        }
    }
}
