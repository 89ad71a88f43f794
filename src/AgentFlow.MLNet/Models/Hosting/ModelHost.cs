using System.Collections.Concurrent;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.MLNet.Models.Hosting;

/// <summary>
/// The one owner of a <see cref="LocalModel"/>'s mutable state. A single worker thread runs everything that touches
/// the model — generation, scoring, backward passes, optimiser steps — from one queue, so nothing ever races.
/// Generation is continuously batched: requests join the running batch between decode steps and leave as they
/// finish; identical prompts admitted together are prefilled once; every row has its own sampling settings, seed and
/// adapter setting (planner rows with LoRA and frozen-module rows without share a batch).
/// </summary>
/// <remarks>
/// Views: <c>host.AsChatClient()</c> (in <c>AgentFlow.MLNet.Models.Serving</c>) gives an <c>IChatClient</c> for the agent's modules. Work that needs the
/// model directly (the trainer's scoring and updates) goes through <see cref="RunAsync{T}"/>.
/// </remarks>
public sealed class ModelHost : IDisposable
{
    private readonly ModelHostOptions _options;
    private readonly bool _ownsModel;
    private readonly BlockingCollection<object> _queue = new(new ConcurrentQueue<object>());
    private readonly Thread _worker;
    private readonly DecodeBatch _batch;
    private readonly Dictionary<DecodeRow, PendingGeneration> _decoding = [];
    private long _requests, _steps, _tokens, _workItems, _cancelled;
    private int _largestBatch, _rows;
    private volatile bool _disposed;

    /// <summary>Hosts <paramref name="model"/>; with <paramref name="ownsModel"/> the host disposes it when disposed.</summary>
    public ModelHost(LocalModel model, ModelHostOptions? options = null, bool ownsModel = false)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? new ModelHostOptions();
        _options.Validate();
        _ownsModel = ownsModel;
        _batch = new DecodeBatch(model.Model);
        _worker = new Thread(Run) { IsBackground = true, Name = "agentflow-model-host" };
        _worker.Start();
    }

    /// <summary>The hosted model. Touch its weights only inside <see cref="RunAsync{T}"/>.</summary>
    public LocalModel Model { get; }

    /// <summary>How the host has batched so far.</summary>
    public ModelHostStatistics Statistics => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _steps), Volatile.Read(ref _largestBatch),
        _batch.PrefillTokens, _batch.SharedPrefills, Interlocked.Read(ref _tokens), Interlocked.Read(ref _workItems),
        Volatile.Read(ref _rows), Interlocked.Read(ref _cancelled));

    /// <summary>Generates one sequence. Cancellation returns at once and frees the row at its next token.</summary>
    /// <exception cref="ModelHostException">The batch the request was in failed to run.</exception>
    public async Task<GeneratedSequence> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        (await GenerateAsync([request], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Generates several sequences admitted together (so identical prompts among them are prefilled once), in order.
    /// </summary>
    public async Task<IReadOnlyList<GeneratedSequence>> GenerateAsync(IReadOnlyList<GenerationRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        cancellationToken.ThrowIfCancellationRequested();
        var pending = requests.Select((r, i) => Prepare(r, i, cancellationToken)).ToArray();
        Enqueue(new PendingAdmission(pending));
        var results = await Task.WhenAll(pending.Select(p => p.Result.Task)).WaitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the host's worker with exclusive use of the model: between decode steps for
    /// <see cref="ModelAccess.Read"/>, when no row is decoding for <see cref="ModelAccess.Write"/>. The work may switch
    /// training mode or adapters; the host puts the model back in evaluation mode afterwards.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CausalLM, T> work, ModelAccess access = ModelAccess.Read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        cancellationToken.ThrowIfCancellationRequested();
        var item = new PendingWork(model => work(model), access, cancellationToken);
        Enqueue(item);
        return (T)(await item.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Stops the worker: rows being decoded end as cancelled, queued requests and work fail with
    /// <see cref="ObjectDisposedException"/>. Returns once the model is no longer in use.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _queue.CompleteAdding();
        _worker.Join();
        _batch.Dispose();
        _queue.Dispose();
        if (_ownsModel)
            Model.Dispose();
    }

    private PendingGeneration Prepare(GenerationRequest request, int index, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Sampling);
        request.Sampling.Validate();
        GenerationEngine.ValidatePrompt(Model.Model.Config, request.PromptIds, $"Request {index}'s prompt", nameof(request));
        var sampling = request.Sampling.Seed is null ? request.Sampling with { Seed = (ulong)Random.Shared.NextInt64() } : request.Sampling;
        var pending = new PendingGeneration(cancellationToken);
        pending.Row = new DecodeRow(request.PromptIds, sampling, request.UseAdapters, Model.Model.Config.MaxPositionEmbeddings, token =>
            cancellationToken.IsCancellationRequested ? FinishReason.Cancelled : request.OnToken?.Invoke(token));
        return pending;
    }

    private void Enqueue(object item)
    {
        try
        {
            if (!_disposed && _queue.TryAdd(item))
                return;
        }
        catch (InvalidOperationException)
        {
            // Adding completed: the host is being disposed.
        }
        throw new ObjectDisposedException(nameof(ModelHost));
    }

    private void Run()
    {
        var admissions = new Queue<PendingGeneration>();
        var writes = new Queue<PendingWork>();
        Model.Model.eval();
        try
        {
            while (!_disposed)
            {
                bool idle = _batch.Count == 0 && admissions.Count == 0 && writes.Count == 0;
                if (idle && !TakeBlocking(admissions, writes))
                    break;
                Drain(admissions, writes);

                if (_batch.Count == 0 && writes.Count > 0)
                {
                    RunWork(writes.Dequeue());
                    continue;
                }
                if (writes.Count == 0)
                    Admit(admissions);
                if (_batch.Count > 0)
                    Step();
            }
        }
        finally
        {
            FailAll(admissions, writes, new ObjectDisposedException(nameof(ModelHost)));
        }
    }

    /// <summary>Waits for the first item while idle; then, for prefix sharing, briefly for requests arriving with it.</summary>
    private bool TakeBlocking(Queue<PendingGeneration> admissions, Queue<PendingWork> writes)
    {
        if (!_queue.TryTake(out var first, Timeout.Infinite))
            return false;
        Sort(first, admissions, writes);
        if (first is PendingAdmission && _options.AdmissionWindow > TimeSpan.Zero)
            Thread.Sleep(_options.AdmissionWindow);
        return true;
    }

    private void Drain(Queue<PendingGeneration> admissions, Queue<PendingWork> writes)
    {
        while (_queue.TryTake(out var item))
            Sort(item, admissions, writes);
    }

    private void Sort(object item, Queue<PendingGeneration> admissions, Queue<PendingWork> writes)
    {
        switch (item)
        {
            case PendingAdmission admission:
                foreach (var request in admission.Requests)
                    admissions.Enqueue(request);
                break;
            case PendingWork { Access: ModelAccess.Write } write:
                writes.Enqueue(write);
                break;
            case PendingWork read:
                RunWork(read);
                break;
        }
    }

    private void RunWork(PendingWork work)
    {
        if (work.CancellationToken.IsCancellationRequested)
        {
            work.Result.TrySetCanceled(work.CancellationToken);
            return;
        }
        Interlocked.Increment(ref _workItems);
        try
        {
            work.Result.TrySetResult(work.Work(Model.Model));
        }
        catch (Exception e)
        {
            work.Result.TrySetException(e);
        }
        finally
        {
            Model.Model.eval();
        }
    }

    private void Admit(Queue<PendingGeneration> admissions)
    {
        var joining = new List<PendingGeneration>();
        while (admissions.Count > 0 && _batch.Count + joining.Count < _options.MaxBatchSize)
        {
            var next = admissions.Dequeue();
            if (next.CancellationToken.IsCancellationRequested)
                Cancel(next);
            else
                joining.Add(next);
        }
        if (joining.Count == 0)
            return;
        try
        {
            _batch.Admit(joining.Select(p => p.Row!).ToList());
            foreach (var pending in joining)
                _decoding[pending.Row!] = pending;
            InterlockedMax(ref _largestBatch, _batch.Count);
        }
        catch (Exception e)
        {
            FailBatch(e, joining);
        }
        Volatile.Write(ref _rows, _batch.Count);
    }

    private void Step()
    {
        Interlocked.Increment(ref _steps);
        IReadOnlyList<DecodeRow> ended;
        try
        {
            ended = _batch.Step();
        }
        catch (Exception e)
        {
            FailBatch(e, []);
            Volatile.Write(ref _rows, _batch.Count);
            return;
        }
        foreach (var row in ended)
        {
            var pending = _decoding[row];
            _decoding.Remove(row);
            var sequence = row.ToSequence(0);
            Interlocked.Add(ref _tokens, sequence.CompletionIds.Count);
            if (sequence.FinishReason == FinishReason.Cancelled)
                Cancel(pending);
            else
                Complete(pending, sequence);
        }
        // Published after the ended rows are counted, so a reader who sees a row gone from the batch also sees its
        // tokens and its outcome (a cancelled row counted as cancelled), never the row gone and nothing counted.
        Volatile.Write(ref _rows, _batch.Count);
    }

    /// <summary>A batch that failed to run fails every request in it as an infrastructure failure; the host carries on with an empty batch.</summary>
    private void FailBatch(Exception error, IReadOnlyList<PendingGeneration> joining)
    {
        var failure = new ModelHostException($"The model host failed to run a batch of {_batch.Count + joining.Count} rows: {error.Message}", error);
        foreach (var row in _batch.CancelAll())
        {
            if (_decoding.Remove(row, out var pending))
                Complete(pending, failure);
        }
        foreach (var pending in joining)
        {
            _decoding.Remove(pending.Row!);
            Complete(pending, failure);
        }
    }

    private void FailAll(Queue<PendingGeneration> admissions, Queue<PendingWork> writes, Exception error)
    {
        foreach (var row in _batch.CancelAll())
        {
            if (_decoding.Remove(row, out var pending))
                Complete(pending, new OperationCanceledException("The model host was disposed while this request was decoding.", error));
        }
        Volatile.Write(ref _rows, 0);   // after the rows are counted, as in Step
        while (admissions.TryDequeue(out var pending))
            Complete(pending, error);
        while (writes.TryDequeue(out var work))
            work.Result.TrySetException(error);
        while (_queue.TryTake(out var item))
        {
            if (item is PendingAdmission admission)
                foreach (var request in admission.Requests)
                    Complete(request, error);
            else if (item is PendingWork work)
                work.Result.TrySetException(error);
        }
    }

    private void Complete(PendingGeneration pending, GeneratedSequence sequence)
    {
        Interlocked.Increment(ref _requests);
        pending.Result.TrySetResult(sequence);
    }

    private void Complete(PendingGeneration pending, Exception error)
    {
        Interlocked.Increment(ref _requests);
        pending.Result.TrySetException(error);
    }

    private void Cancel(PendingGeneration pending)
    {
        Interlocked.Increment(ref _cancelled);
        Complete(pending, new OperationCanceledException(pending.CancellationToken));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class PendingGeneration(CancellationToken cancellationToken)
    {
        internal DecodeRow? Row { get; set; }

        internal CancellationToken CancellationToken { get; } = cancellationToken;

        internal TaskCompletionSource<GeneratedSequence> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record PendingAdmission(IReadOnlyList<PendingGeneration> Requests);

    private sealed class PendingWork(Func<CausalLM, object?> work, ModelAccess access, CancellationToken cancellationToken)
    {
        internal Func<CausalLM, object?> Work { get; } = work;

        internal ModelAccess Access { get; } = access;

        internal CancellationToken CancellationToken { get; } = cancellationToken;

        internal TaskCompletionSource<object?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
