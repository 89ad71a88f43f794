using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Tests.Models.Tokenization;

/// <summary>
/// The real Qwen tokenizer, loaded once per test class (151k entries take about a second): from the qwen3
/// folder (tokenizer.json + tokenizer_config.json) and from qwen2's vocab.json + merges.txt.
/// </summary>
public sealed class QwenTokenizers
{
    public QwenTokenizers()
    {
        FromFolder = ModelTokenizer.Load(Qwen3Folder);
        FromVocabAndMerges = ModelTokenizer.FromVocabAndMerges(
            Path.Combine(Qwen2Folder, "vocab.json"), Path.Combine(Qwen2Folder, "merges.txt"), FromFolder.SpecialTokens);
    }

    public static string Qwen3Folder => TestData.Qwen3TokenizerFolder;

    public static string Qwen2Folder => TestData.Qwen2TokenizerFolder;

    public ModelTokenizer FromFolder { get; }

    public ModelTokenizer FromVocabAndMerges { get; }
}
