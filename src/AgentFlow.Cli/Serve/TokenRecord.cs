using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Generation;

namespace AgentFlow.Cli.Serve;

/// <summary>
/// Writes a sequence's tokens into a response, token in and token out: the OpenAI <c>logprobs</c> fields with each
/// sampled token's text, log-prob and bytes, and vLLM's <c>token_ids</c> / <c>prompt_token_ids</c> with the exact ids,
/// so a remote planner can be trained on what it sampled without re-tokenising.
/// </summary>
internal static class TokenRecord
{
    /// <summary>The chat form: <c>{"content": [{"token", "logprob", "bytes", "top_logprobs": []}, ...]}</c>.</summary>
    internal static void WriteChatLogProbs(Utf8JsonWriter json, LocalModel model, GeneratedSequence sequence)
    {
        json.WriteStartObject("logprobs");
        json.WriteStartArray("content");
        for (int i = 0; i < sequence.CompletionIds.Count; i++)
        {
            string token = model.Tokenizer.Decode([sequence.CompletionIds[i]]);
            json.WriteStartObject();
            json.WriteString("token", token);
            json.WriteNumber("logprob", sequence.LogProbs[i]);
            json.WriteStartArray("bytes");
            foreach (byte b in Encoding.UTF8.GetBytes(token))
                json.WriteNumberValue(b);
            json.WriteEndArray();
            json.WriteStartArray("top_logprobs");   // alternatives are not computed; the sampled token's own log-prob is exact
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The legacy completions form: <c>{"tokens", "token_logprobs", "top_logprobs": null, "text_offset"}</c>.</summary>
    internal static void WriteCompletionLogProbs(Utf8JsonWriter json, LocalModel model, GeneratedSequence sequence)
    {
        json.WriteStartObject("logprobs");
        var tokens = sequence.CompletionIds.Select(id => model.Tokenizer.Decode([id])).ToList();
        json.WriteStartArray("tokens");
        foreach (string token in tokens)
            json.WriteStringValue(token);
        json.WriteEndArray();
        json.WriteStartArray("token_logprobs");
        foreach (float logProb in sequence.LogProbs)
            json.WriteNumberValue(logProb);
        json.WriteEndArray();
        json.WriteNull("top_logprobs");
        json.WriteStartArray("text_offset");
        int offset = 0;
        foreach (string token in tokens)
        {
            json.WriteNumberValue(offset);
            offset += token.Length;
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>"token_ids": [...]</c>: every completion id, the final stop token included.</summary>
    internal static void WriteCompletionIds(Utf8JsonWriter json, GeneratedSequence sequence) => WriteIds(json, "token_ids", sequence.CompletionIds);

    /// <summary><c>"prompt_token_ids": [...]</c>: the prompt exactly as the model read it (after any cut to fit the context).</summary>
    internal static void WritePromptIds(Utf8JsonWriter json, GeneratedSequence sequence) => WriteIds(json, "prompt_token_ids", sequence.PromptIds);

    internal static void WriteUsage(Utf8JsonWriter json, GeneratedSequence sequence)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", sequence.PromptIds.Count);
        json.WriteNumber("completion_tokens", sequence.CompletionIds.Count);
        json.WriteNumber("total_tokens", sequence.PromptIds.Count + sequence.CompletionIds.Count);
        json.WriteEndObject();
    }

    /// <summary>
    /// <c>prompt_tokens_cut</c>, only when the chat prompt was too long for the context and its middle was cut (the
    /// engine's rule, as in-process), as llama.cpp's server says <c>truncated</c>: a client sees that the model read less
    /// than it sent, and how much less. Clients that do not know the field ignore it.
    /// </summary>
    internal static void WritePromptCut(Utf8JsonWriter json, GeneratedSequence sequence)
    {
        if (sequence.PromptTokensCut > 0)
            json.WriteNumber("prompt_tokens_cut", sequence.PromptTokensCut);
    }

    internal static string FinishReasonName(FinishReason reason) => reason == FinishReason.Length ? "length" : "stop";

    private static void WriteIds(Utf8JsonWriter json, string name, IReadOnlyList<int> ids)
    {
        json.WriteStartArray(name);
        foreach (int id in ids)
            json.WriteNumberValue(id);
        json.WriteEndArray();
    }
}
