using AgentFlow.MLNet.Rewards.Extraction;

namespace AgentFlow.MLNet.Tests.Rewards;

public class AnswerExtractorTests
{
    [Theory]
    [InlineData("Reasoning... <answer>Paris</answer>", "Paris")]
    [InlineData("<answer>first</answer> then <answer>second</answer>", "second")]
    [InlineData("< ANSWER >  Paris \n</ Answer >", "Paris")]
    [InlineData("thinking <answer> 42", "42")]
    [InlineData("<answer>real</answer> and an empty echo: <answer></answer>", "real")]
    [InlineData("<answer>kept</answer> trailing <answer>   ", "kept")]
    [InlineData("<answer>a <b>bold</b> claim</answer>", "a <b>bold</b> claim")]
    public void AnswerTag_reads_the_last_non_empty_tag(string response, string expected) =>
        Assert.Equal(expected, AnswerExtractors.AnswerTag.Extract(response));

    [Theory]
    [InlineData("no tags here")]
    [InlineData("<answer></answer>")]
    [InlineData("</answer> only a closing tag")]
    public void AnswerTag_finds_nothing_without_content(string response) =>
        Assert.Null(AnswerExtractors.AnswerTag.Extract(response));

    [Theory]
    [InlineData(@"so \boxed{7} or rather \boxed{\frac{3}{4}}", @"\frac{3}{4}")]
    [InlineData(@"\boxed{{1}{2}} end", "{1}{2}")]
    [InlineData(@"\boxed {12}", "12")]
    [InlineData(@"\fbox{9}", "9")]
    [InlineData(@"\boxed{5} and an unclosed \boxed{6", "5")]
    public void Boxed_reads_the_last_complete_box_with_nested_braces(string response, string expected) =>
        Assert.Equal(expected, AnswerExtractors.Boxed.Extract(response));

    [Theory]
    [InlineData(@"\boxed{}")]
    [InlineData(@"\boxed{unclosed")]
    [InlineData("plain 42")]
    public void Boxed_finds_nothing_without_a_complete_box(string response) =>
        Assert.Null(AnswerExtractors.Boxed.Extract(response));

    [Theory]
    [InlineData("Natalia sold 48 clips.\n#### 72", "72")]
    [InlineData("#### 1,234.\nmore text", "1,234")]
    [InlineData("#### 5\n#### -3", "-3")]
    public void Gsm8k_reads_the_last_marker_line(string response, string expected) =>
        Assert.Equal(expected, AnswerExtractors.Gsm8k.Extract(response));

    [Fact]
    public void Gsm8k_ignores_markdown_headings() =>
        Assert.Null(AnswerExtractors.Gsm8k.Extract("#### Step 1\n##### 5\nthe sum is 9"));

    [Theory]
    [InlineData("  Paris \n", "Paris")]
    [InlineData("Final answer: Paris", "Paris")]
    [InlineData("**Answer:** 42", "42")]
    [InlineData("The answer is: blue", "blue")]
    public void Plain_returns_the_trimmed_text_without_a_label(string response, string expected) =>
        Assert.Equal(expected, AnswerExtractors.Plain.Extract(response));

    [Fact]
    public void Plain_finds_nothing_in_blank_text() => Assert.Null(AnswerExtractors.Plain.Extract(" \n\t"));

    [Theory]
    [InlineData(@"<answer>33</answer> \boxed{12}", "33")]
    [InlineData(@"we get \boxed{12}. #### 13", "12")]
    [InlineData("work\n#### 13", "13")]
    [InlineData("just 14", "just 14")]
    public void Default_chain_prefers_tag_then_box_then_marker_then_plain(string response, string expected) =>
        Assert.Equal(expected, AnswerExtractors.Default.Extract(response));

    [Fact]
    public void FirstOf_returns_the_first_extractor_that_finds_something()
    {
        var chain = AnswerExtractors.FirstOf(AnswerExtractors.Gsm8k, AnswerExtractors.AnswerTag);

        Assert.Equal("2", chain.Extract("<answer>1</answer>\n#### 2"));
        Assert.Equal("1", chain.Extract("<answer>1</answer>"));
        Assert.Null(chain.Extract("nothing"));
    }

    [Fact]
    public void FirstOf_rejects_an_empty_or_null_list()
    {
        Assert.Throws<ArgumentException>(() => AnswerExtractors.FirstOf());
        Assert.Throws<ArgumentException>(() => AnswerExtractors.FirstOf(AnswerExtractors.Plain, null!));
    }
}
