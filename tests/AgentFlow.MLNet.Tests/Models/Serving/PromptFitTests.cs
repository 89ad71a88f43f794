using AgentFlow.MLNet.Models.Serving;

namespace AgentFlow.MLNet.Tests.Models.Serving;

public sealed class PromptFitTests
{
    [Fact]
    public void APromptThatFitsIsUntouched()
    {
        int[] prompt = [.. Enumerable.Range(0, 50)];

        var (fitted, cut) = LocalChatClient.FitToContext(prompt, context: 100, maxNewTokens: 20);

        Assert.Same(prompt, fitted);
        Assert.Equal(0, cut);
    }

    [Fact]
    public void ALongPromptLosesItsMiddleAndKeepsRoomToAnswer()
    {
        int[] prompt = [.. Enumerable.Range(0, 500)];

        var (fitted, cut) = LocalChatClient.FitToContext(prompt, context: 128, maxNewTokens: 256);

        // Room kept: min(256, 128 / 4) = 32, so 96 prompt tokens: the first 32 and the last 64.
        Assert.Equal(96, fitted.Count);
        Assert.Equal(404, cut);
        Assert.Equal(Enumerable.Range(0, 32), fitted.Take(32));
        Assert.Equal(Enumerable.Range(436, 64), fitted.Skip(32));
    }
}
