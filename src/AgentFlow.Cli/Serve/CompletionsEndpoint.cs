using System.Text.Json;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Tokenization;
using Microsoft.AspNetCore.Http;

namespace AgentFlow.Cli.Serve;

/// <summary>
/// <c>POST /v1/completions</c>: raw text (or token ids) in, a continuation out, without a chat template — the token-in /
/// token-out route for a remote planner, whose prompt ids are exactly what it sends. Generated through the model host
/// beside the chat requests.
/// </summary>
internal sealed class CompletionsEndpoint(LocalModel model, ModelHost host, ServeOptions options)
{
    /// <summary>OpenAI's default for this endpoint.</summary>
    private const int DefaultMaxTokens = 16;

    internal async Task HandleAsync(HttpContext context, RequestFields request)
    {
        if (request.Bool("stream") == true)
            throw OpenAIRequestException.BadRequest("streaming is served on /v1/chat/completions only", "stream");
        if (request.Bool("echo") == true)
            throw OpenAIRequestException.BadRequest("'echo' is not supported", "echo");
        if (request.Get("suffix") is not null)
            throw OpenAIRequestException.BadRequest("'suffix' is not supported", "suffix");
        long? logProbs = request.Integer("logprobs", 0, 5);
        if (logProbs > 0)
            throw OpenAIRequestException.BadRequest("'logprobs' above 0 is not supported: only the sampled tokens' log-probs (logprobs 0) are computed", "logprobs");
        bool tokenIds = logProbs is not null || (request.Bool("return_token_ids") ?? false);

        var prompt = Prompt(request);
        int maxTokens = (int)(request.Integer("max_tokens", 1, long.MaxValue) is { } asked
            ? asked <= options.MaxTokensLimit ? asked : throw OpenAIRequestException.BadRequest($"max_tokens {asked} is above this server's limit of {options.MaxTokensLimit}", "max_tokens")
            : Math.Min(DefaultMaxTokens, options.MaxTokensLimit));
        int window = model.Model.Config.MaxPositionEmbeddings;
        if (prompt.Count + maxTokens > window)
            throw OpenAIRequestException.BadRequest($"this model's context is {window} tokens; the prompt is {prompt.Count} tokens and max_tokens is {maxTokens}", "max_tokens");

        var stops = request.Stop()?.Where(s => s.Length > 0).ToList() ?? [];
        int longestStop = stops.Count == 0 ? 0 : stops.Max(stop => stop.Length);
        var decoder = new IncrementalDecoder(model.Tokenizer);
        var text = new System.Text.StringBuilder();
        var sampling = Sampling(request, maxTokens);
        var generationRequest = new GenerationRequest(prompt, sampling)
        {
            OnToken = stops.Count == 0 ? null : token =>
            {
                string delta = decoder.Add(token);
                text.Append(delta);
                // A stop string that just appeared ends within the new text, so only the tail needs looking at.
                int tail = Math.Min(text.Length, longestStop + delta.Length);
                string recent = text.ToString(text.Length - tail, tail);
                return stops.Any(stop => recent.Contains(stop, StringComparison.Ordinal)) ? FinishReason.Stop : null;
            },
        };
        var sequence = await host.GenerateAsync(generationRequest, context.RequestAborted).ConfigureAwait(false);
        string completion = CutAtStop(model.Tokenizer.Decode(sequence.CompletionIds, skipSpecialTokens: true), stops);

        await ResponseWriting.WriteJsonAsync(context, 200, json =>
        {
            json.WriteStartObject();
            json.WriteString("id", "cmpl-" + Guid.NewGuid().ToString("N"));
            json.WriteString("object", "text_completion");
            json.WriteNumber("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            json.WriteString("model", options.ModelName);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteString("text", completion);
            if (logProbs is not null)
                TokenRecord.WriteCompletionLogProbs(json, model, sequence);
            else
                json.WriteNull("logprobs");
            if (tokenIds)
                TokenRecord.WriteCompletionIds(json, sequence);
            json.WriteString("finish_reason", TokenRecord.FinishReasonName(sequence.FinishReason));
            json.WriteEndObject();
            json.WriteEndArray();
            TokenRecord.WriteUsage(json, sequence);
            if (tokenIds)
                TokenRecord.WritePromptIds(json, sequence);
            json.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>A string (encoded as <c>agentflow generate</c> does), one string in an array, or token ids (one list of them).</summary>
    private IReadOnlyList<int> Prompt(RequestFields request)
    {
        var prompt = request.Required("prompt");
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind is JsonValueKind.String or JsonValueKind.Array)
            prompt = prompt[0];
        IReadOnlyList<int> ids = prompt.ValueKind switch
        {
            JsonValueKind.String => model.EncodePrompt(RequestFields.Text(prompt, "prompt", "prompt")),
            JsonValueKind.Array when prompt.EnumerateArray().All(IsTokenId) => [.. prompt.EnumerateArray().Select(id => id.GetInt32())],
            _ => throw OpenAIRequestException.BadRequest($"'prompt' must be a string or a list of token ids below {model.Model.Config.VocabSize} (one prompt per request)", "prompt"),
        };
        return ids.Count > 0 ? ids : throw OpenAIRequestException.BadRequest("'prompt' is empty and the model has no BOS token to start from", "prompt");

        bool IsTokenId(JsonElement id) => id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out int value) && value >= 0 && value < model.Model.Config.VocabSize;
    }

    /// <summary>Unset fields as the chat endpoint takes them: the model's generation_config.json, then greedy.</summary>
    private SamplingOptions Sampling(RequestFields request, int maxTokens)
    {
        var defaults = model.Defaults;
        var sampling = new SamplingOptions
        {
            Temperature = request.Number("temperature", 0, 2) ?? (defaults.DoSample == false ? 0 : defaults.Temperature ?? 0),
            TopP = request.Number("top_p", 0, 1) ?? defaults.TopP ?? 1.0,
            TopK = (int?)request.Integer("top_k", 0, int.MaxValue) ?? defaults.TopK ?? 0,
            FrequencyPenalty = request.Number("frequency_penalty", -2, 2) ?? 0,
            PresencePenalty = request.Number("presence_penalty", -2, 2) ?? 0,
            MaxNewTokens = maxTokens,
            Seed = request.Integer("seed", long.MinValue, long.MaxValue) is long seed ? unchecked((ulong)seed) : null,
            StopTokenIds = model.StopTokenIds,
        };
        sampling.Validate();
        return sampling;
    }

    private static string CutAtStop(string text, List<string> stops)
    {
        int cut = stops.Select(stop => text.IndexOf(stop, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(text.Length).Min();
        return text[..cut];
    }
}
