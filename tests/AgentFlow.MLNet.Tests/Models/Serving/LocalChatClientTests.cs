using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Models.Tokenization;
using AgentFlow.MLNet.Native;
using AgentFlow.MLNet.Tests.Smoke;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Models.Serving;

[Collection(TorchCollection.Name)]
public sealed class LocalChatClientTests : IDisposable
{
    private readonly LocalModel _model;

    public LocalChatClientTests()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        _model = new LocalModel(TinyModels.Create(TinyLocalModels.Config(), seed: 4), ModelTokenizer.FromGguf(TinyLocalModels.ByteVocabulary()), ChatTemplate.For(ChatTemplateKind.ChatML));
    }

    public void Dispose() => _model.Dispose();

    private LocalChatClient Client(int maxNewTokens = 16) => new(_model, new LocalChatClientOptions
    {
        Sampling = new SamplingOptions { MaxNewTokens = maxNewTokens },
    });

    /// <summary>What the engine alone produces for one user message: the reference each response must equal.</summary>
    private GeneratedSequence Alone(string message, int maxNewTokens = 16) =>
        new GenerationEngine(_model.Model).Generate([_model.EncodeChat([new ChatTurn("user", message)])],
            new SamplingOptions { MaxNewTokens = maxNewTokens, StopTokenIds = _model.StopTokenIds }).Single();

    [Fact]
    public async Task ConcurrentRequestsEachGetTheirOwnAnswer()
    {
        using var client = Client();
        string[] questions = ["alpha", "what is 2+2?", "x", "a longer question about tools", "héllo", "z z z"];

        var responses = await Task.WhenAll(questions.Select(q => client.GetResponseAsync([new ChatMessage(ChatRole.User, q)])));

        for (int i = 0; i < questions.Length; i++)
        {
            var expected = Alone(questions[i]);
            Assert.Equal(expected.CompletionIds, responses[i].GetGeneratedSequence()!.CompletionIds);
            Assert.Equal(_model.Tokenizer.Decode(expected.CompletionIds, skipSpecialTokens: true), responses[i].Text);
            Assert.Equal(expected.PromptIds.Count, responses[i].Usage!.InputTokenCount);
        }
    }

    [Fact]
    public async Task ChatOptionsLimitTokensAndStopSequencesCutTheText()
    {
        using var client = Client(maxNewTokens: 30);
        var reference = Alone("tell me", maxNewTokens: 30);
        string full = _model.Tokenizer.Decode(reference.CompletionIds, skipSpecialTokens: true);
        Assert.True(full.Length >= 6, $"the tiny model should say something here, said '{full}'");
        string stop = full.Substring(3, 2);

        var limited = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "tell me")], new ChatOptions { MaxOutputTokens = 4 });
        var stopped = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "tell me")], new ChatOptions { StopSequences = [stop] });

        Assert.Equal(reference.CompletionIds.Take(4), limited.GetGeneratedSequence()!.CompletionIds);
        Assert.Equal(ChatFinishReason.Length, limited.FinishReason);
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }

    [Fact]
    public async Task SampledResponsesCarryLogProbsAndAreReproducibleWithASeed()
    {
        using var client = Client();
        var options = new ChatOptions { Temperature = 0.9f, TopP = 0.95f, Seed = 7 };

        var first = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "sample")], options);
        var again = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "sample")], options);

        var sequence = first.GetGeneratedSequence()!;
        Assert.Equal(sequence.CompletionIds.Count, sequence.LogProbs.Count);
        Assert.All(sequence.LogProbs, lp => Assert.True(lp <= 0));
        Assert.Equal(sequence.CompletionIds, again.GetGeneratedSequence()!.CompletionIds);
    }

    [Fact]
    public async Task StreamingDeltasAddUpToTheResponse()
    {
        using var client = Client();
        var whole = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "stream this")]);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "stream this")]))
            updates.Add(update);

        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(whole.FinishReason, updates[^1].FinishReason);
        Assert.Equal(whole.GetGeneratedSequence()!.CompletionIds, updates[^1].GetGeneratedSequence()!.CompletionIds);
    }

    [Fact]
    public async Task ACancelledRequestStopsPromptlyAndFreesItsPlaceWhileOthersFinish()
    {
        using var client = Client(maxNewTokens: 60);
        using var cancel = new CancellationTokenSource();
        var other = client.GetResponseAsync([new ChatMessage(ChatRole.User, "keep going")], new ChatOptions { MaxOutputTokens = 60 });
        var cancelled = Task.Run(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "stop soon")], new ChatOptions { MaxOutputTokens = 60 }, cancel.Token))
                cancel.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        var completed = await other;

        Assert.Equal(Alone("keep going", 60).CompletionIds, completed.GetGeneratedSequence()!.CompletionIds);
        Assert.Equal(60, completed.GetGeneratedSequence()!.CompletionIds.Count);
        Assert.True(client.Host.Statistics.GeneratedTokens < completed.GetGeneratedSequence()!.CompletionIds.Count * 2);
    }

    [Fact]
    public async Task AnAlreadyCancelledRequestNeverRuns()
    {
        using var client = Client();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], cancellationToken: cancel.Token));
        Assert.Equal(0, client.Host.Statistics.Requests);
    }

    [Fact]
    public void MetadataNamesTheProviderAndModel()
    {
        using var client = Client();

        var metadata = client.GetService<ChatClientMetadata>()!;

        Assert.Equal("agentflow-mlnet", metadata.ProviderName);
        Assert.Same(_model, client.GetService<LocalModel>());
    }

    [Fact]
    public async Task TheRecordedSamplingSettingsAreTheEffectiveOnesAfterTheModelsDefaults()
    {
        // Qwen2.5's generation_config.json style: top_k 20 and a temperature apply unless the request says otherwise.
        using var withDefaults = new LocalModel(TinyModels.Create(TinyLocalModels.Config(), seed: 4), ModelTokenizer.FromGguf(TinyLocalModels.ByteVocabulary()),
            ChatTemplate.For(ChatTemplateKind.ChatML), new GenerationDefaults { Temperature = 0.7, TopK = 20, TopP = 0.8 });
        using var client = new LocalChatClient(withDefaults, new LocalChatClientOptions { Sampling = new SamplingOptions { MaxNewTokens = 6 } });

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { TopP = 0.9f, FrequencyPenalty = 1.2f });
        var used = response.GetGeneratedSequence()!.Sampling!;
        var replay = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { TopP = 0.9f, FrequencyPenalty = 1.2f, Seed = unchecked((long)used.Seed!.Value) });

        Assert.Equal(0.7, used.Temperature, 6);
        Assert.Equal(0.9, used.TopP, 6);
        Assert.Equal(20, used.TopK);
        Assert.Equal(1.2, used.FrequencyPenalty, 6);
        Assert.Equal(6, used.MaxNewTokens);
        Assert.Equal(withDefaults.StopTokenIds, used.StopTokenIds);
        Assert.Equal(response.GetGeneratedSequence()!.CompletionIds, replay.GetGeneratedSequence()!.CompletionIds);
    }

    [Fact]
    public async Task InstructionsBecomeASystemTurnAndAdaptersCanBeChosenPerRequest()
    {
        using var client = Client();

        var plain = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "q")], new ChatOptions().WithAdapters(false));
        var instructed = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "q")], new ChatOptions { Instructions = "be brief" });

        var expectedPrompt = _model.EncodeChat([new ChatTurn("system", "be brief"), new ChatTurn("user", "q")]);
        Assert.Equal(expectedPrompt, instructed.GetGeneratedSequence()!.PromptIds);
        Assert.Equal(_model.EncodeChat([new ChatTurn("user", "q")]), plain.GetGeneratedSequence()!.PromptIds);
    }

    [Fact]
    public async Task TheTokenRecordSurvivesAMiddlewareThatSerialisesTheResponse()
    {
        using var client = Client();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "cache me")]);

        string json = System.Text.Json.JsonSerializer.Serialize(response, Microsoft.Extensions.AI.AIJsonUtilities.DefaultOptions);
        var restored = System.Text.Json.JsonSerializer.Deserialize<ChatResponse>(json, Microsoft.Extensions.AI.AIJsonUtilities.DefaultOptions)!;

        Assert.Null(restored.RawRepresentation);
        Assert.Equal(response.GetGeneratedSequence()!.CompletionIds, restored.GetGeneratedSequence()!.CompletionIds);
    }
}
