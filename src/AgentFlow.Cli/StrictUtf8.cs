using Utf8Check = AgentFlow.MLNet.Text.StrictUtf8;

namespace AgentFlow.Cli;

/// <summary>
/// The CLI's wording of the library's one UTF-8 check (<see cref="Utf8Check"/>): what is not UTF-8 is refused, not
/// replaced with U+FFFD, since tokenizing a replacement character would print ids of text the user never gave, and
/// evaluating or training on one would score a question nobody wrote. The input is named as CLI errors name it
/// (<c>FILE:LINE: ...</c>, <c>standard input ...</c>).
/// </summary>
internal static class StrictUtf8
{
    /// <summary>
    /// The text of <paramref name="bytes"/> exactly: a byte-order mark is kept as U+FEFF (<c>tokenize</c> shows its
    /// ids; <c>ask</c> drops it itself). An <see cref="InvalidDataException"/> naming <paramref name="source"/> and the
    /// byte offset of the first invalid sequence otherwise.
    /// </summary>
    internal static string Decode(ReadOnlySpan<byte> bytes, string source) =>
        Utf8Check.FindInvalid(bytes) is { } invalid
            ? throw new InvalidDataException($"{source} is not valid UTF-8: {invalid.Description}")
            : Utf8Check.Encoding.GetString(bytes);

    /// <summary>
    /// The text of the file at <paramref name="path"/>, a leading byte-order mark dropped; an <see cref="InvalidDataException"/>
    /// naming the file, the line and the byte offset of the first invalid sequence otherwise (<c>questions.csv:3: ...</c>).
    /// </summary>
    internal static string ReadFile(string path)
    {
        if (Utf8Check.FindInvalidInFile(path) is { } invalid)
            throw new InvalidDataException($"{path}:{invalid.Line}: not valid UTF-8: {invalid.Description}");
        return File.ReadAllText(path, Utf8Check.Encoding);
    }
}
