using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentFlow.MLNet.Models.Chat;
using AgentFlow.MLNet.Models.Hosting;
using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Tests.Cli.Serve;
using AgentFlow.MLNet.Tests.Smoke;
using Microsoft.Extensions.AI;

namespace AgentFlow.MLNet.Tests.Reliability;

/// <summary>
/// The bad-input matrix through <c>agentflow serve</c> (its own process, the tiny model): any Unicode text is taken as
/// sent and encoded as the model encodes it in-process; a chat prompt longer than the context is cut as in-process and
/// the response says by how much; a lone surrogate escape, a body that is not UTF-8 JSON or a raw completion prompt too
/// long gets a 400 naming the field, never a 500 or a crash.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ServeBadInputTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private const string LoneEscape = "holds a lone UTF-16 surrogate escape such as \\ud800, which is not Unicode text";

    public static TheoryData<string, string, string, string> LoneSurrogateRequests => new()
    {
        { "/v1/chat/completions", """{"messages":[{"role":"user","content":"a\ud800b"}]}""", "messages", $"'messages[0].content' {LoneEscape}" },
        { "/v1/chat/completions", """{"messages":[{"role":"system","content":"ok"},{"role":"user","content":[{"type":"text","text":"ok"},{"type":"text","text":"\udfff"}]}]}""", "messages", $"'messages[1].content[1].text' {LoneEscape}" },
        { "/v1/chat/completions", """{"messages":[{"role":"\udc00","content":"ok"}]}""", "messages", $"'messages[0].role' {LoneEscape}" },
        { "/v1/chat/completions", """{"messages":[{"role":"user","content":"ok"}],"stop":["x","\ud83d"]}""", "stop", $"'stop[1]' {LoneEscape}" },
        { "/v1/chat/completions", """{"messages":[{"role":"user","content":"a\ud800b"}],"stream":true}""", "messages", $"'messages[0].content' {LoneEscape}" },
        { "/v1/chat/completions", """{"model":"\ud800","messages":[{"role":"user","content":"ok"}]}""", "model", $"'model' {LoneEscape}" },
        { "/v1/completions", """{"prompt":"a\ud800b"}""", "prompt", $"'prompt' {LoneEscape}" },
        { "/v1/completions", """{"prompt":["\udfffb"]}""", "prompt", $"'prompt' {LoneEscape}" },
    };

    [Theory]
    [MemberData(nameof(LoneSurrogateRequests))]
    public async Task ALoneSurrogateEscapeIsA400NamingTheField(string path, string body, string parameter, string message)
    {
        var (status, json) = await PostAsync(path, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal(parameter, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AChatPromptLongerThanTheContextIsCutAsInProcessAndTheResponseSaysBy()
    {
        string question = BadInputTests.OneMegabyteQuestion();
        using var local = served.Host.AsChatClient();
        var expected = (await local.GetResponseAsync([new ChatMessage(ChatRole.User, question)], new() { Temperature = 0, MaxOutputTokens = 2 })).GetGeneratedSequence()!;

        var (status, json) = await PostAsync("/v1/chat/completions", JsonSerializer.SerializeToUtf8Bytes(new { messages = new[] { new { role = "user", content = question } }, max_tokens = 2, temperature = 0, return_token_ids = true }));

        Assert.True(status == HttpStatusCode.OK, json.RootElement.GetRawText());
        Assert.True(expected.PromptTokensCut > question.Length / 2);
        Assert.Equal(expected.PromptTokensCut, json.RootElement.GetProperty("prompt_tokens_cut").GetInt32());
        Assert.Equal(2048 - 2, json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(expected.PromptIds, json.RootElement.GetProperty("prompt_token_ids").EnumerateArray().Select(id => id.GetInt32()));
    }

    [Fact]
    public async Task AStreamedChatPromptLongerThanTheContextSaysByHowMuchItWasCutInItsLastChunk()
    {
        string question = BadInputTests.OneMegabyteQuestion();
        using var http = new HttpClient();
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { messages = new[] { new { role = "user", content = question } }, max_tokens = 2, stream = true }));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await http.PostAsync(new Uri(served.Server.Url, "/v1/chat/completions"), content);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var last = JsonDocument.Parse(events[^2]);
        Assert.Equal("length", last.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(last.RootElement.GetProperty("prompt_tokens_cut").GetInt32() > question.Length / 2);
        using var first = JsonDocument.Parse(events[0]);
        Assert.False(first.RootElement.TryGetProperty("prompt_tokens_cut", out _));
    }

    [Fact]
    public async Task ACompletionPromptLongerThanTheContextIsA400GivingTheLengths()
    {
        string question = BadInputTests.OneMegabyteQuestion();

        var (status, json) = await PostAsync("/v1/completions", JsonSerializer.SerializeToUtf8Bytes(new { prompt = question }));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal($"this model's context is 2048 tokens; the prompt is {served.Oracle.EncodePrompt(question).Count} tokens and max_tokens is 16", error.GetProperty("message").GetString());
        Assert.Equal("max_tokens", error.GetProperty("param").GetString());
    }

    private static readonly byte[] Opening = """{"messages":[{"role":"user","content":"a"""u8.ToArray();

    public static TheoryData<string, byte[], string> MalformedBodies => new()
    {
        { "an encoded surrogate", [.. Opening, 0xED, 0xA0, 0x80, .. "\"}]}"u8.ToArray()], $"the request body is not valid UTF-8, which JSON must be: invalid byte sequence at byte offset {Opening.Length} (0xED)" },
        { "a byte that is never UTF-8", [.. Opening, 0xFF, .. "\"}]}"u8.ToArray()], $"the request body is not valid UTF-8, which JSON must be: invalid byte sequence at byte offset {Opening.Length} (0xFF)" },
        { "a raw control character in a string", [.. Opening, 0x07, .. "\"}]}"u8.ToArray()], "the request body is not valid JSON: '0x07' is invalid within a JSON string" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task ABodyThatIsNotUtf8JsonIsA400SayingWhere(string name, byte[] body, string message)
    {
        var (status, json) = await PostAsync("/v1/chat/completions", body);

        Assert.True(status == HttpStatusCode.BadRequest, name);
        Assert.StartsWith(message, json.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ABodyThatStartsWithAByteOrderMarkIsReadAsWithout()
    {
        // RFC 8259 lets a parser ignore the mark; clients that write files with one (PowerShell, Notepad) send it.
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new { messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 2, temperature = 0, return_token_ids = true });

        var (status, json) = await PostAsync("/v1/chat/completions", [0xEF, 0xBB, 0xBF, .. body]);

        Assert.True(status == HttpStatusCode.OK, json.RootElement.GetRawText());
        Assert.Equal(served.Oracle.EncodeChat([new ChatTurn(ChatRoles.User, "hi")]), json.RootElement.GetProperty("prompt_token_ids").EnumerateArray().Select(id => id.GetInt32()));
    }

    public static TheoryData<string> SolvableContents => [.. BadInputTests.Solvable.Keys, "", "   \t\n", "null"];

    [Theory]
    [MemberData(nameof(SolvableContents))]
    public async Task AnyTextIsAnsweredAndEncodedAsTheModelEncodesItInProcess(string name)
    {
        string content = BadInputTests.Solvable.TryGetValue(name, out string? text) ? text : name == "null" ? "" : name;
        object message = name == "null" ? new { role = "user", content = (string?)null } : new { role = "user", content = (string?)content };

        var (status, json) = await PostAsync("/v1/chat/completions", JsonSerializer.SerializeToUtf8Bytes(new { messages = new[] { message }, max_tokens = 2, temperature = 0, return_token_ids = true }));

        Assert.True(status == HttpStatusCode.OK, json.RootElement.GetRawText());
        Assert.Equal(served.Oracle.EncodeChat([new ChatTurn(ChatRoles.User, content)]), json.RootElement.GetProperty("prompt_token_ids").EnumerateArray().Select(id => id.GetInt32()));
    }

    [Fact]
    public async Task ACompletionPromptOfAnyTextIsEncodedAsTheModelEncodesItInProcess()
    {
        foreach (string prompt in BadInputTests.Solvable.Values)
        {
            var (status, json) = await PostAsync("/v1/completions", JsonSerializer.SerializeToUtf8Bytes(new { prompt, max_tokens = 2, temperature = 0, return_token_ids = true }));

            Assert.True(status == HttpStatusCode.OK, json.RootElement.GetRawText());
            Assert.Equal(served.Oracle.EncodePrompt(prompt), json.RootElement.GetProperty("prompt_token_ids").EnumerateArray().Select(id => id.GetInt32()));
        }
    }

    private async Task<(HttpStatusCode Status, JsonDocument Json)> PostAsync(string path, byte[] body)
    {
        using var http = new HttpClient();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(served.Server.Url, path), content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }
}
