using System.Text.Json.Nodes;

namespace AgentFlow.MLNet.Tests.Models.Tokenization;

/// <summary>A temporary folder for hand-written tokenizer files, deleted on dispose.</summary>
internal sealed class TokenizerFolderFixture : IDisposable
{
    public TokenizerFolderFixture()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentflow-tokenizer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string fileName, string text)
    {
        var file = System.IO.Path.Combine(Path, fileName);
        File.WriteAllText(file, text);
        return file;
    }

    /// <summary>
    /// A byte-level BPE tokenizer.json as Qwen2 / Llama 3 write it: a Split regex then ByteLevel, with
    /// <paramref name="merges"/> in the newer [left, right] form unless <paramref name="mergesAsStrings"/>.
    /// </summary>
    public string WriteTokenizerJson(
        IReadOnlyDictionary<string, int> vocab,
        IReadOnlyList<(string Left, string Right)> merges,
        string? splitPattern,
        bool ignoreMerges = false,
        bool mergesAsStrings = false,
        IReadOnlyList<(int Id, string Content, bool Special)>? addedTokens = null)
    {
        JsonNode preTokenizer = splitPattern is null
            ? new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true }
            : new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = splitPattern },
                        ["behavior"] = "Isolated",
                        ["invert"] = false,
                    },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = false }),
            };
        var vocabObject = new JsonObject();
        foreach (var (token, id) in vocab)
            vocabObject[token] = id;
        var mergeArray = new JsonArray(merges
            .Select(m => mergesAsStrings ? (JsonNode)JsonValue.Create($"{m.Left} {m.Right}") : new JsonArray(m.Left, m.Right))
            .ToArray());
        var added = new JsonArray((addedTokens ?? [])
            .Select(t => (JsonNode)new JsonObject { ["id"] = t.Id, ["content"] = t.Content, ["special"] = t.Special })
            .ToArray());
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["ignore_merges"] = ignoreMerges,
                ["vocab"] = vocabObject,
                ["merges"] = mergeArray,
            },
        };
        return Write("tokenizer.json", root.ToJsonString());
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
