using System.Text;
using AgentFlow.MLNet.Tools.Python;

namespace AgentFlow.MLNet.Tests.Tools;

public class BoundedOutputTests
{
    [Fact]
    public void Output_within_capacity_is_kept_whole_even_across_the_head_tail_seam()
    {
        var output = new BoundedOutput(8);
        byte[] bytes = Encoding.UTF8.GetBytes("ab€c"); // € is three bytes and straddles the 4-byte head.

        output.Append(bytes.AsSpan(0, 3));
        output.Append(bytes.AsSpan(3));

        Assert.False(output.Truncated);
        Assert.Equal("ab€c", output.ToString());
    }

    [Theory]
    [InlineData(12, "abcd", "wxyz", 15)] // both cuts fall inside a €: the partial characters are dropped too
    [InlineData(14, "abcd€", "€wxyz", 9)]
    public void Overflow_keeps_head_and_latest_tail_cut_at_character_boundaries(int capacity, string head, string tail, int dropped)
    {
        var output = new BoundedOutput(capacity);
        byte[] bytes = Encoding.UTF8.GetBytes("abcd€€€€€wxyz");

        foreach (byte value in bytes)
            output.Append([value]);

        Assert.True(output.Truncated);
        Assert.Equal(bytes.Length, output.TotalBytes);
        Assert.Equal($"{head}\n... [{dropped} bytes of output dropped] ...\n{tail}", output.ToString());
    }
}
