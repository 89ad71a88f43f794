namespace AgentFlow.MLNet.Models.Serving;

/// <summary>Counters of a <see cref="LocalChatClient"/>, for profiling how well requests are coalesced.</summary>
/// <param name="Requests">Requests completed (including cancelled ones).</param>
/// <param name="Batches">Batched decodes run.</param>
/// <param name="LargestBatch">Most sequences decoded together so far.</param>
/// <param name="GeneratedTokens">Tokens sampled over all requests.</param>
public sealed record ChatClientStatistics(long Requests, long Batches, int LargestBatch, long GeneratedTokens);
