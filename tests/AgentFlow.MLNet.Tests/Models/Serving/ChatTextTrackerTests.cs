using AgentFlow.MLNet.Models.Serving;
using AgentFlow.MLNet.Models.Tokenization;

namespace AgentFlow.MLNet.Tests.Models.Serving;

public sealed class ChatTextTrackerTests
{
    private static readonly ModelTokenizer Bytes = ModelTokenizer.FromGguf(TinyLocalModels.ByteVocabulary());

    private static List<string> Drain(ChatTextTracker tracker)
    {
        var deltas = new List<string>();
        while (tracker.Deltas!.Reader.TryRead(out string? delta))
            deltas.Add(delta);
        return deltas;
    }

    [Fact]
    public void StreamingALongCompletionDecodesEachTokenAFewTimesNotTheWholeTextEachTime()
    {
        string text = string.Concat(Enumerable.Range(0, 200).Select(i => $"word{i} héllo 日本 ")); // multi-byte characters split across byte tokens
        var ids = Bytes.Encode(text);
        var tracker = new ChatTextTracker(Bytes, [], maxNewTokens: ids.Count + 1, streaming: true);

        foreach (int id in ids)
            Assert.Null(tracker.Accept(id));
        tracker.CompleteStream();

        Assert.Equal(text, string.Concat(Drain(tracker)));
        Assert.True(tracker.DecodedTokens < 10L * ids.Count, $"{tracker.DecodedTokens} tokens decoded for {ids.Count}: quadratic");
    }

    [Fact]
    public void AStopSequenceSplitAcrossTokensCutsTheTextAndNothingPastItIsStreamed()
    {
        var tracker = new ChatTextTracker(Bytes, ["STOP"], maxNewTokens: 100, streaming: true);

        var reasons = Bytes.Encode("abcST").Select(tracker.Accept).ToList();
        var stopped = Bytes.Encode("OPxyz").Select(tracker.Accept).First(r => r is not null);
        tracker.CompleteStream();

        Assert.All(reasons, r => Assert.Null(r));
        Assert.Equal(AgentFlow.MLNet.Models.Generation.FinishReason.Stop, stopped);
        Assert.Equal("abc", tracker.FinalText);
        Assert.Equal("abc", string.Concat(Drain(tracker)));
    }

    [Fact]
    public void BytesThatNeverFormACharacterAreStillText()
    {
        var tracker = new ChatTextTracker(Bytes, [], maxNewTokens: 100, streaming: true);
        byte[] invalid = [0xFF, 0xFE, 0xFD, 0xFC, 0xFB, (byte)'a'];

        // Token i of the byte vocabulary is byte i.
        foreach (byte b in invalid)
            tracker.Accept(b);
        tracker.CompleteStream();

        Assert.Equal(tracker.FinalText, string.Concat(Drain(tracker)));
        Assert.EndsWith("a", tracker.FinalText);
    }
}
