namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>Finds the tokenizer files of a model folder (Hugging Face layout) and picks the reader for them.</summary>
internal static class TokenizerFolder
{
    private const string TokenizerJsonName = "tokenizer.json";
    private const string VocabJsonName = "vocab.json";
    private const string MergesName = "merges.txt";
    private const string ChatTemplateName = "chat_template.jinja";

    /// <summary>See <see cref="ModelTokenizer.Load"/>.</summary>
    public static ModelTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            var folderOfFile = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var configOfFile = ReadConfig(folderOfFile);
            if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                return HuggingFaceTokenizerFiles.FromTokenizerJson(path, configOfFile);
            return TokenizerModelFile.IsTiktoken(path)
                ? HuggingFaceTokenizerFiles.FromTiktokenModel(path, configOfFile)
                : HuggingFaceTokenizerFiles.FromSentencePieceModel(path, configOfFile);
        }
        if (!Directory.Exists(path))
            throw new FileNotFoundException($"Tokenizer path '{path}' is neither a folder nor a file.", path);

        var config = ReadConfig(path);
        var model = Path.Combine(path, TokenizerModelFile.FileName);
        var hasModel = File.Exists(model);
        var modelIsTiktoken = hasModel && TokenizerModelFile.IsTiktoken(model);
        // A SentencePiece model is the authoritative vocabulary of its family; a tokenizer.json beside it is a conversion.
        if (hasModel && !modelIsTiktoken)
            return HuggingFaceTokenizerFiles.FromSentencePieceModel(model, config);

        var tokenizerJson = Path.Combine(path, TokenizerJsonName);
        if (File.Exists(tokenizerJson))
            return HuggingFaceTokenizerFiles.FromTokenizerJson(tokenizerJson, config);

        var vocab = Path.Combine(path, VocabJsonName);
        var merges = Path.Combine(path, MergesName);
        if (File.Exists(vocab) && File.Exists(merges))
            return HuggingFaceTokenizerFiles.FromVocabAndMerges(vocab, merges, [], config);

        if (modelIsTiktoken)
            return HuggingFaceTokenizerFiles.FromTiktokenModel(model, config);

        throw new FileNotFoundException(
            $"No tokenizer in '{path}': looked for {TokenizerJsonName}, {VocabJsonName} + {MergesName}, and {TokenizerModelFile.FileName}.");
    }

    /// <summary>
    /// tokenizer_config.json of <paramref name="folder"/>, with the template of chat_template.jinja when the config
    /// has none (newer Hugging Face folders keep it in that file); null when neither exists.
    /// </summary>
    private static TokenizerConfigJson? ReadConfig(string folder)
    {
        var configPath = Path.Combine(folder, TokenizerConfigJson.FileName);
        var config = File.Exists(configPath) ? TokenizerConfigJson.Read(configPath) : null;
        if (config?.ChatTemplate is not null)
            return config;
        var templatePath = Path.Combine(folder, ChatTemplateName);
        if (!File.Exists(templatePath))
            return config;
        var template = File.ReadAllText(templatePath);
        return config is null ? new TokenizerConfigJson([], null, null, null, template) : config with { ChatTemplate = template };
    }
}
