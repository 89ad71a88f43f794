using System.Text;
using System.Text.RegularExpressions;
using AgentFlow.MLNet.Tools;

namespace AgentFlow.MLNet.Tests.Tools;

public class ToolTextTests
{
    [Fact]
    public void Text_within_the_cap_is_returned_as_is()
    {
        Assert.Equal("short", ToolText.Truncate("short", 200, out bool truncated));
        Assert.False(truncated);
    }

    [Theory]
    [InlineData(201, 200)]
    [InlineData(5_000, 200)]
    [InlineData(1_000_000, 4000)]
    [InlineData(123_457, 999)]
    public void Truncated_text_never_exceeds_the_cap_and_counts_what_it_dropped(int length, int cap)
    {
        string text = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + i % 26)));

        string cut = ToolText.Truncate(text, cap, out bool truncated);

        Assert.True(truncated);
        Assert.InRange(cut.Length, cap - 10, cap);
        var marker = Regex.Match(cut, @"\n\.\.\. \[truncated: (\d+) characters omitted\] \.\.\.\n");
        Assert.True(marker.Success);
        Assert.Equal(length, cut.Length - marker.Length + int.Parse(marker.Groups[1].Value));
        Assert.Equal(text[..marker.Index], cut[..marker.Index]);
        Assert.EndsWith(cut[(marker.Index + marker.Length)..], text);
    }

    [Fact]
    public void Surrogate_pairs_are_not_split()
    {
        string text = string.Concat(Enumerable.Repeat("😀", 1000));
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        foreach (int cap in new[] { 300, 301, 302, 303 })
            strict.GetBytes(ToolText.Truncate(text, cap, out _));
    }
}
