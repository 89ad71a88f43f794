namespace AgentFlow.MLNet.Models.Hosting;

/// <summary>Counters of a <see cref="ModelHost"/>, for profiling how well it batches.</summary>
/// <param name="Requests">Generation requests finished (including cancelled and failed ones).</param>
/// <param name="Steps">Decode steps run (each advances every live row by one token).</param>
/// <param name="LargestBatch">Most rows decoded together so far.</param>
/// <param name="PrefillTokens">Prompt tokens run through the model (a prompt shared by several rows counts once).</param>
/// <param name="SharedPrefills">Rows that reused an identical prompt's prefill instead of running their own.</param>
/// <param name="GeneratedTokens">Tokens sampled over all requests.</param>
/// <param name="WorkItems">Units of work (scoring, updates) run through <see cref="ModelHost.RunAsync{T}"/>.</param>
/// <param name="Decoding">Rows in the decode batch now.</param>
/// <param name="Cancelled">
/// Generation requests ended by their cancellation token: dropped before they were admitted, or freed from the batch
/// at their next token. Included in <paramref name="Requests"/>.
/// </param>
public sealed record ModelHostStatistics(long Requests, long Steps, int LargestBatch, long PrefillTokens, long SharedPrefills, long GeneratedTokens, long WorkItems,
    int Decoding, long Cancelled);
