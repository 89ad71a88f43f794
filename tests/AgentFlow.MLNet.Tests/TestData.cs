using System.IO.Compression;
using System.Security.Cryptography;

namespace AgentFlow.MLNet.Tests;

/// <summary>
/// The real files the tests read, vendored in <c>TestData/</c> (sources and licences in its README) and copied
/// beside the test assembly, so the tests need nothing outside the repository. Compressed files are unpacked
/// there on first use, and every file is checked against its pinned SHA-256 before a test sees it.
/// </summary>
internal static class TestData
{
    private static readonly Lazy<string> Qwen3 = new(() => Folder(
        Path.Combine("tokenizers", "qwen3"),
        ("tokenizer.json", "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"),
        ("tokenizer_config.json", "5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63")));

    private static readonly Lazy<string> Qwen2 = new(() => Folder(
        Path.Combine("tokenizers", "qwen2"),
        ("vocab.json", "ca10d7e9fb3ed18575dd1e277a2579c16d108e32f27439684afa0e10b1440910"),
        ("merges.txt", "599bab54075088774b1733fde865d5bd747cbcc7a547c5bc12610e874e26f5e3")));

    /// <summary>A Hugging Face tokenizer folder of Qwen3: tokenizer.json + tokenizer_config.json.</summary>
    public static string Qwen3TokenizerFolder => Qwen3.Value;

    /// <summary>The Qwen2 vocabulary as GPT-2 style vocab.json + merges.txt.</summary>
    public static string Qwen2TokenizerFolder => Qwen2.Value;

    /// <summary>The folder beside the assembly holding <paramref name="files"/>, each unpacked from its <c>.gz</c> when needed.</summary>
    private static string Folder(string relative, params (string Name, string Sha256)[] files)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "TestData", relative);
        foreach (var (name, sha256) in files)
        {
            string path = Path.Combine(folder, name);
            // An unpacked copy from an earlier run is reused only while it is the pinned file.
            if (!(File.Exists(path) && Sha256Of(path) == sha256) && File.Exists(path + ".gz"))
                Unpack(path + ".gz", path);
            if (!File.Exists(path))
                throw new FileNotFoundException($"Test data file '{path}' (or '{name}.gz' beside it) is missing; the test project copies TestData/ beside the assembly.", path);
            string actual = Sha256Of(path);
            if (actual != sha256)
                throw new InvalidDataException($"Test data file '{path}' has SHA-256 {actual}, not the pinned {sha256}.");
        }
        return folder;
    }

    private static void Unpack(string compressed, string path)
    {
        // Written beside the target and renamed into place, so a concurrent reader never sees half a file.
        string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var input = new GZipStream(File.OpenRead(compressed), CompressionMode.Decompress))
        using (var output = File.Create(temporary))
            input.CopyTo(output);
        File.Move(temporary, path, overwrite: true);
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
