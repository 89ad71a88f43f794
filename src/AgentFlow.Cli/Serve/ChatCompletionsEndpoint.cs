using System.Text.Json;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Serving;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace AgentFlow.Cli.Serve;

/// <summary>
/// <c>POST /v1/chat/completions</c>, plain and streamed (server-sent events), through the model host's chat client so
/// concurrent requests share its decode batch. With <c>logprobs: true</c> the answer carries each sampled token's
/// log-prob and, as vLLM's <c>return_token_ids</c> does, the exact prompt and completion ids.
/// </summary>
internal sealed class ChatCompletionsEndpoint(LocalModel model, IChatClient client, ServeOptions options)
{
    internal async Task HandleAsync(HttpContext context, RequestFields request)
    {
        var messages = Messages(request);
        var chatOptions = ChatOptionsOf(request);
        bool logProbs = request.Bool("logprobs") ?? false;
        if (request.Integer("top_logprobs", 0, 20) is > 0)
            throw OpenAIRequestException.BadRequest("'top_logprobs' above 0 is not supported: only the sampled tokens' log-probs are computed", "top_logprobs");
        bool tokenIds = logProbs || (request.Bool("return_token_ids") ?? false);
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if (request.Bool("stream") == true)
        {
            bool usage = request.Get("stream_options") is { ValueKind: JsonValueKind.Object } streamOptions
                && streamOptions.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True;
            await StreamAsync(context, messages, chatOptions, id, created, logProbs, tokenIds, usage).ConfigureAwait(false);
            return;
        }

        var response = await client.GetResponseAsync(messages, chatOptions, context.RequestAborted).ConfigureAwait(false);
        var sequence = response.GetGeneratedSequence()!;
        await ResponseWriting.WriteJsonAsync(context, 200, json =>
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("object", "chat.completion");
            json.WriteNumber("created", created);
            json.WriteString("model", options.ModelName);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            json.WriteString("content", response.Text);
            json.WriteEndObject();
            WriteTokens(json, sequence, logProbs, tokenIds);
            json.WriteString("finish_reason", TokenRecord.FinishReasonName(sequence.FinishReason));
            json.WriteEndObject();
            json.WriteEndArray();
            TokenRecord.WriteUsage(json, sequence);
            TokenRecord.WritePromptCut(json, sequence);
            if (tokenIds)
                TokenRecord.WritePromptIds(json, sequence);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext context, List<ChatMessage> messages, ChatOptions chatOptions, string id, long created, bool logProbs, bool tokenIds, bool usage)
    {
        var cancellationToken = context.RequestAborted;
        await using var updates = client.GetStreamingResponseAsync(messages, chatOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
        // The first update is awaited before any byte is sent, so a request the model refuses still gets a status code.
        bool more = await updates.MoveNextAsync().ConfigureAwait(false);
        ResponseWriting.StartEventStream(context);
        await ResponseWriting.WriteEventAsync(context, json => Chunk(json, delta => delta.WriteString("role", "assistant"), null, null), cancellationToken).ConfigureAwait(false);
        for (; more; more = await updates.MoveNextAsync().ConfigureAwait(false))
        {
            var update = updates.Current;
            if (update.GetGeneratedSequence() is { } sequence)
            {
                await ResponseWriting.WriteEventAsync(context, json => Chunk(json, _ => { }, sequence, TokenRecord.FinishReasonName(sequence.FinishReason)), cancellationToken).ConfigureAwait(false);
                if (usage)
                {
                    await ResponseWriting.WriteEventAsync(context, json =>
                    {
                        Header(json);
                        json.WriteStartArray("choices");
                        json.WriteEndArray();
                        TokenRecord.WriteUsage(json, sequence);
                        json.WriteEndObject();
                    }, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (update.Text.Length > 0)
            {
                string text = update.Text;
                await ResponseWriting.WriteEventAsync(context, json => Chunk(json, delta => delta.WriteString("content", text), null, null), cancellationToken).ConfigureAwait(false);
            }
        }
        await ResponseWriting.WriteDoneAsync(context, cancellationToken).ConfigureAwait(false);

        void Header(Utf8JsonWriter json)
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("object", "chat.completion.chunk");
            json.WriteNumber("created", created);
            json.WriteString("model", options.ModelName);
        }

        // The last chunk carries the finish reason and, when asked for, every token's log-prob and id at once.
        void Chunk(Utf8JsonWriter json, Action<Utf8JsonWriter> delta, GeneratedSequence? sequence, string? finish)
        {
            Header(json);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("delta");
            delta(json);
            json.WriteEndObject();
            if (sequence is null)
                json.WriteNull("logprobs");
            else
                WriteTokens(json, sequence, logProbs, tokenIds);
            if (finish is null)
                json.WriteNull("finish_reason");
            else
                json.WriteString("finish_reason", finish);
            json.WriteEndObject();
            json.WriteEndArray();
            if (sequence is not null)
                TokenRecord.WritePromptCut(json, sequence);
            if (sequence is not null && tokenIds)
                TokenRecord.WritePromptIds(json, sequence);
            json.WriteEndObject();
        }
    }

    private void WriteTokens(Utf8JsonWriter json, GeneratedSequence sequence, bool logProbs, bool tokenIds)
    {
        if (logProbs)
            TokenRecord.WriteChatLogProbs(json, model, sequence);
        else
            json.WriteNull("logprobs");
        if (tokenIds)
            TokenRecord.WriteCompletionIds(json, sequence);
    }

    private static List<ChatMessage> Messages(RequestFields request)
    {
        var messages = request.Required("messages");
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            throw OpenAIRequestException.BadRequest("'messages' must be a non-empty array", "messages");
        var result = new List<ChatMessage>();
        int index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                throw OpenAIRequestException.BadRequest("each message must be an object with a 'role'", "messages");
            var chatRole = RequestFields.Text(role, $"messages[{index}].role", "messages") switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                var other => throw OpenAIRequestException.BadRequest($"message role '{other}' is not supported: system, developer, user or assistant", "messages"),
            };
            result.Add(new ChatMessage(chatRole, Content(message, $"messages[{index}].content")));
            index++;
        }
        return result;
    }

    /// <summary>
    /// A message's text: a string, or an array of <c>{"type": "text", "text": ...}</c> parts, joined. Any text is taken
    /// as sent (control characters, right-to-left, CJK); one with a lone surrogate escape is refused, naming <paramref name="path"/>.
    /// </summary>
    private static string Content(JsonElement message, string path)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            return "";
        if (content.ValueKind == JsonValueKind.String)
            return RequestFields.Text(content, path, "messages");
        if (content.ValueKind == JsonValueKind.Array && content.EnumerateArray().All(IsTextPart))
            return string.Concat(content.EnumerateArray().Select((part, i) => RequestFields.Text(part.GetProperty("text"), $"{path}[{i}].text", "messages")));
        throw OpenAIRequestException.BadRequest("message content must be a string or an array of text parts", "messages");

        static bool IsTextPart(JsonElement part) =>
            part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            && type.ValueEquals("text") && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String;
    }

    private ChatOptions ChatOptionsOf(RequestFields request)
    {
        long? maxTokens = request.Integer("max_completion_tokens", 1, long.MaxValue) ?? request.Integer("max_tokens", 1, long.MaxValue);
        if (maxTokens > options.MaxTokensLimit)
            throw OpenAIRequestException.BadRequest($"max_tokens {maxTokens} is above this server's limit of {options.MaxTokensLimit}", "max_tokens");
        return new ChatOptions
        {
            Temperature = (float?)request.Number("temperature", 0, 2),
            TopP = (float?)request.Number("top_p", 0, 1),
            TopK = (int?)request.Integer("top_k", 0, int.MaxValue),
            MaxOutputTokens = (int)(maxTokens ?? options.MaxTokensLimit),
            StopSequences = request.Stop(),
            Seed = request.Integer("seed", long.MinValue, long.MaxValue),
            FrequencyPenalty = (float?)request.Number("frequency_penalty", -2, 2),
            PresencePenalty = (float?)request.Number("presence_penalty", -2, 2),
        };
    }
}
