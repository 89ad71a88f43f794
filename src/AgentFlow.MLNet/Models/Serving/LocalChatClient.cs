using System.Runtime.CompilerServices;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Models.Serving;

/// <summary>
/// <see cref="IChatClient"/> over a <see cref="ModelHost"/>: renders the conversation with the model's chat template,
/// merges the request's options with the model's defaults, and submits one generation request to the host, whose
/// continuous batching coalesces concurrent callers (for example every live trajectory of a rollout). Responses carry
/// the exact sampled ids, log-probs and effective sampling settings (<see cref="LocalChatOptions.GetGeneratedSequence(ChatResponse)"/>).
/// </summary>
/// <remarks>
/// Per request: temperature, top-p, top-k, max tokens, stop sequences, seed, penalties and
/// <see cref="ChatOptions.Instructions"/> (a system turn) are honoured; unset ones fall back to the model's
/// generation_config.json, then to <see cref="LocalChatClientOptions.Sampling"/>. Adapters on or off per request with
/// <see cref="LocalChatOptions.WithAdapters"/>. A prompt too long for the context is cut in the middle (see
/// <see cref="FitToContext"/>) and the cut is recorded in <see cref="GeneratedSequence.PromptTokensCut"/>. A lone
/// UTF-16 surrogate in a message is encoded as U+FFFD (see <c>ModelTokenizer.Encode</c>).
/// </remarks>
public sealed class LocalChatClient : IChatClient
{
    private readonly ModelHost _host;
    private readonly LocalChatClientOptions _options;
    private readonly bool _ownsHost;

    /// <summary>Serves <paramref name="model"/> through a host of its own (disposed with the client; the model is not).</summary>
    public LocalChatClient(LocalModel model, LocalChatClientOptions? options = null, ModelHostOptions? hostOptions = null)
        : this(new ModelHost(model, hostOptions), options ?? new LocalChatClientOptions(), ownsHost: true)
    {
    }

    internal LocalChatClient(ModelHost host, LocalChatClientOptions options, bool ownsHost)
    {
        _host = host;
        _options = options;
        _ownsHost = ownsHost;
        _options.Sampling.Validate();
        Metadata = new ChatClientMetadata("agentflow-mlnet", null, _options.ModelId ?? host.Model.Source);
    }

    /// <summary>Describes this client (provider <c>agentflow-mlnet</c>, the model id).</summary>
    public ChatClientMetadata Metadata { get; }

    /// <summary>The host this client submits to.</summary>
    public ModelHost Host => _host;

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (request, text) = Prepare(messages, options, streaming: false, out int cut);
        var sequence = await _host.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
        return ToResponse(text, sequence with { PromptTokensCut = cut });
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A consumer that stops reading early (break) cancels its row, so it stops decoding.
        using var abandoned = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var (request, text) = Prepare(messages, options, streaming: true, out int cut);
        var generation = _host.GenerateAsync(request, abandoned.Token);
        _ = generation.ContinueWith(t => text.CompleteStream(t.Exception?.InnerException ?? (t.IsCanceled ? new OperationCanceledException() : null)), TaskScheduler.Default);
        string id = Guid.NewGuid().ToString("N");
        GeneratedSequence sequence;
        try
        {
            await foreach (string delta in text.Deltas!.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return new ChatResponseUpdate(ChatRole.Assistant, delta) { ResponseId = id, ModelId = Metadata.DefaultModelId };
            sequence = await generation.ConfigureAwait(false) with { PromptTokensCut = cut };
        }
        finally
        {
            await abandoned.CancelAsync().ConfigureAwait(false);
        }
        var response = ToResponse(text, sequence);
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(response.Usage!)])
        {
            ResponseId = id,
            ModelId = response.ModelId,
            FinishReason = response.FinishReason,
            RawRepresentation = sequence,
            AdditionalProperties = new() { [LocalChatOptions.GenerationKey] = sequence },
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(_host) ? _host
        : serviceType.IsInstanceOfType(_host.Model) ? _host.Model
        : null;

    /// <summary>Disposes the host when this client created it; a client from <see cref="ModelHostChatClients.AsChatClient"/> leaves its host running.</summary>
    public void Dispose()
    {
        if (_ownsHost)
            _host.Dispose();
    }

    /// <summary>
    /// The rule for prompts that do not fit: room is kept for <c>min(max new tokens, context / 4)</c> completion tokens;
    /// if the prompt is longer than what is left, its middle is cut — the first third of the allowed length and the
    /// last two thirds are kept, so the instructions at the start and the question and generation prompt at the end
    /// survive. Returns the prompt to use and how many tokens were cut.
    /// </summary>
    internal static (IReadOnlyList<int> Prompt, int Cut) FitToContext(IReadOnlyList<int> prompt, int context, int maxNewTokens)
    {
        int room = Math.Max(1, Math.Min(maxNewTokens, context / 4));
        int allowed = context - room;
        if (prompt.Count <= allowed)
            return (prompt, 0);
        int head = allowed / 3, tail = allowed - head;
        return ([.. prompt.Take(head), .. prompt.Skip(prompt.Count - tail)], prompt.Count - allowed);
    }

    private (GenerationRequest Request, ChatTextTracker Text) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming, out int cut)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = messages.Select(m => new ChatTurn(m.Role.Value, m.Text)).ToList();
        if (turns.Count == 0)
            throw new ArgumentException("At least one message is needed.", nameof(messages));
        if (!string.IsNullOrEmpty(options?.Instructions))
            turns.Insert(0, new ChatTurn(ChatRoles.System, options.Instructions));
        var model = _host.Model;
        var sampling = SamplingFor(options);
        (var promptIds, cut) = FitToContext(model.EncodeChat(turns), model.Model.Config.MaxPositionEmbeddings, sampling.MaxNewTokens);
        var stops = options?.StopSequences?.Where(s => s.Length > 0).ToList() ?? [];
        var text = new ChatTextTracker(model.Tokenizer, stops, sampling.MaxNewTokens, streaming);
        var request = new GenerationRequest(promptIds, sampling)
        {
            UseAdapters = LocalChatOptions.UseAdapters(options) ?? _options.UseAdapters,
            OnToken = text.Accept,
        };
        return (request, text);
    }

    /// <summary>Request options first, then the model's generation_config.json, then the client's defaults.</summary>
    private SamplingOptions SamplingFor(ChatOptions? options)
    {
        var model = _host.Model;
        var sampling = model.Defaults.Apply(options?.Temperature, options?.TopP, options?.TopK, options?.MaxOutputTokens, _options.Sampling) with
        {
            FrequencyPenalty = options?.FrequencyPenalty ?? _options.Sampling.FrequencyPenalty,
            PresencePenalty = options?.PresencePenalty ?? _options.Sampling.PresencePenalty,
            Seed = options?.Seed is long seed ? unchecked((ulong)seed) : _options.Sampling.Seed,  // null: the host draws one and records it
            StopTokenIds = model.StopTokenIds,
        };
        sampling.Validate();
        return sampling;
    }

    private ChatResponse ToResponse(ChatTextTracker text, GeneratedSequence sequence) =>
        new(new ChatMessage(ChatRole.Assistant, text.FinalText))
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
            AdditionalProperties = new() { [LocalChatOptions.GenerationKey] = sequence },
        };
}
