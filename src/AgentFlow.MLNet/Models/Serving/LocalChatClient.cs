using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Generation;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>
/// <see cref="IChatClient"/> over a <see cref="LocalModel"/>. Concurrent requests (for example one per live
/// trajectory of a rollout) are queued and coalesced into batched decodes; each caller gets its own response.
/// Responses carry the exact sampled ids and log-probs as <see cref="ChatResponse.RawRepresentation"/>
/// (<see cref="GeneratedSequence"/>, also via <see cref="LocalChatResponses.GetGeneratedSequence"/>), so training
/// never re-tokenises text.
/// </summary>
/// <remarks>
/// Requests join a batch when they sample alike (temperature, top-p, top-k, penalties, seed); each keeps its own
/// token limit and stop sequences. Sampling is seeded per batch, so a seeded request reproduces exactly when it
/// runs alone or alongside the same requests. One batch decodes at a time; requests arriving meanwhile form the next.
/// </remarks>
public sealed class LocalChatClient : IChatClient
{
    private readonly LocalModel _model;
    private readonly LocalChatClientOptions _options;
    private readonly GenerationEngine _engine;
    private readonly Channel<PendingRequest> _queue = Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _worker;
    private long _requests, _batches, _tokens;
    private int _largestBatch;

    /// <summary>Serves <paramref name="model"/>; the client does not own the model (dispose it yourself).</summary>
    public LocalChatClient(LocalModel model, LocalChatClientOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? new LocalChatClientOptions();
        _options.Sampling.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxBatchSize, nameof(LocalChatClientOptions.MaxBatchSize));
        _engine = new GenerationEngine(model.Model);
        Metadata = new ChatClientMetadata("agentflow-mlnet", null, _options.ModelId ?? model.Source);
        _worker = Task.Factory.StartNew(RunAsync, TaskCreationOptions.LongRunning).Unwrap();
    }

    /// <summary>Describes this client (provider <c>agentflow-mlnet</c>, the model id).</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>How requests have been coalesced so far.</summary>
    public ChatClientStatistics Statistics => new(Interlocked.Read(ref _requests), Interlocked.Read(ref _batches), Volatile.Read(ref _largestBatch), Interlocked.Read(ref _tokens));

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = Enqueue(messages, options, streaming: false, cancellationToken);
        var sequence = await request.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return ToResponse(request, sequence);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A consumer that stops reading early (break) cancels its row, so it stops decoding.
        using var abandoned = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var request = Enqueue(messages, options, streaming: true, abandoned.Token);
        string id = Guid.NewGuid().ToString("N");
        GeneratedSequence sequence;
        try
        {
            await foreach (string delta in request.Deltas!.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return new ChatResponseUpdate(ChatRole.Assistant, delta) { ResponseId = id, ModelId = Metadata.DefaultModelId };
            sequence = await request.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await abandoned.CancelAsync().ConfigureAwait(false);
        }
        var response = ToResponse(request, sequence);
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(response.Usage!)])
        {
            ResponseId = id,
            ModelId = response.ModelId,
            FinishReason = response.FinishReason,
            RawRepresentation = sequence,
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(_model) ? _model
        : null;

    /// <summary>
    /// Stops the batcher: a batch being decoded ends at its next token (its requests are cancelled) and queued requests
    /// fail with <see cref="ObjectDisposedException"/>. Returns once the model is no longer in use.
    /// </summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _shutdown.Cancel();
        try
        {
            _worker.Wait();
        }
        catch (AggregateException)
        {
            // The worker ends by cancellation; that is the expected way out.
        }
        while (_queue.Reader.TryRead(out var orphan))
            orphan.Result.TrySetException(new ObjectDisposedException(nameof(LocalChatClient)));
        _shutdown.Dispose();
    }

    private PendingRequest Enqueue(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var turns = messages.Select(m => new ChatTurn(m.Role.Value, m.Text)).ToList();
        if (turns.Count == 0)
            throw new ArgumentException("At least one message is needed.", nameof(messages));
        var promptIds = _model.EncodeChat(turns);
        int context = _model.Model.Config.MaxPositionEmbeddings;
        if (promptIds.Count >= context)
            throw new ArgumentException($"The conversation is {promptIds.Count} tokens long, which leaves no room in the model's {context}-token context.", nameof(messages));
        var sampling = SamplingFor(options);
        var request = new PendingRequest(promptIds, sampling, options?.StopSequences?.Where(s => s.Length > 0).ToList() ?? [], _model.Tokenizer, streaming, cancellationToken);
        if (!_queue.Writer.TryWrite(request))
            throw new ObjectDisposedException(nameof(LocalChatClient));
        return request;
    }

    /// <summary>Request options first, then the model's generation_config.json, then the client's defaults.</summary>
    private SamplingOptions SamplingFor(ChatOptions? options)
    {
        var sampling = _model.Defaults.Apply(options?.Temperature, options?.TopP, options?.TopK, options?.MaxOutputTokens, _options.Sampling) with
        {
            FrequencyPenalty = options?.FrequencyPenalty ?? _options.Sampling.FrequencyPenalty,
            PresencePenalty = options?.PresencePenalty ?? _options.Sampling.PresencePenalty,
            Seed = options?.Seed is long seed ? unchecked((ulong)seed) : _options.Sampling.Seed,  // null: a fresh seed per batch
            StopTokenIds = _model.StopTokenIds,
        };
        sampling.Validate();
        return sampling;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(_shutdown.Token).ConfigureAwait(false))
        {
            // Give concurrent callers a moment to join, then take everything queued (up to the batch size).
            await Task.Delay(_options.BatchWindow, _shutdown.Token).ConfigureAwait(false);
            var drained = new List<PendingRequest>();
            while (drained.Count < _options.MaxBatchSize && reader.TryRead(out var request))
            {
                if (request.CancellationToken.IsCancellationRequested)
                    Finish(request, new OperationCanceledException(request.CancellationToken));
                else
                    drained.Add(request);
            }
            foreach (var group in drained.GroupBy(r => (r.Sampling.Temperature, r.Sampling.TopP, r.Sampling.TopK, r.Sampling.FrequencyPenalty, r.Sampling.PresencePenalty, r.Sampling.Seed)))
                Decode(group.ToList());
        }
    }

    private void Decode(List<PendingRequest> batch)
    {
        Interlocked.Increment(ref _batches);
        InterlockedMax(ref _largestBatch, batch.Count);
        var sampling = batch[0].Sampling with { MaxNewTokens = batch.Max(r => r.Sampling.MaxNewTokens) };
        try
        {
            var results = _engine.Generate(batch.Select(r => r.PromptIds).ToList(), sampling, cancellationToken: _shutdown.Token, onToken: (row, token) => batch[row].Accept(token));
            for (int i = 0; i < batch.Count; i++)
            {
                Interlocked.Add(ref _tokens, results[i].CompletionIds.Count);
                if (results[i].FinishReason == FinishReason.Cancelled)
                    Finish(batch[i], new OperationCanceledException(batch[i].CancellationToken));
                else
                    Finish(batch[i], results[i]);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            foreach (var request in batch)
                Finish(request, e);
        }
    }

    private void Finish(PendingRequest request, GeneratedSequence sequence)
    {
        Interlocked.Increment(ref _requests);
        request.CompleteStream();
        request.Result.TrySetResult(sequence);
    }

    private void Finish(PendingRequest request, Exception error)
    {
        Interlocked.Increment(ref _requests);
        request.CompleteStream(error);
        request.Result.TrySetException(error);
    }

    private ChatResponse ToResponse(PendingRequest request, GeneratedSequence sequence) =>
        new(new ChatMessage(ChatRole.Assistant, request.FinalText))
        {
            ModelId = Metadata.DefaultModelId,
            FinishReason = sequence.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop,
            CreatedAt = DateTimeOffset.UtcNow,
            Usage = new UsageDetails
            {
                InputTokenCount = sequence.PromptIds.Count,
                OutputTokenCount = sequence.CompletionIds.Count,
                TotalTokenCount = sequence.PromptIds.Count + sequence.CompletionIds.Count,
            },
            RawRepresentation = sequence,
        };

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
