using System.Text.Json;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Calculation;

namespace AgentFlow.MLNet.Tests.Tools;

public class CalculatorToolTests
{
    private static ValueTask<ToolResult> Evaluate(string expression) =>
        new CalculatorTool().InvokeAsync(JsonSerializer.SerializeToElement(new { expression }));

    [Theory]
    [InlineData("2 + 3 * 4", "14")]
    [InlineData("(2 + 3) * 4", "20")]
    [InlineData("10 / 4", "2.5")]
    [InlineData("7 % 3", "1")]
    [InlineData("0.1 + 0.2", "0.3")]
    [InlineData("2^10", "1024")]
    [InlineData("2 ^ 3 + 1", "9")]
    [InlineData("2**0.5 * 2**0.5", "2")]
    [InlineData("-3 + +5", "2")]
    [InlineData("5! / 3!", "20")]
    [InlineData("6 × 7", "42")]
    [InlineData("84 ÷ 2", "42")]
    [InlineData("50 − 8", "42")]
    [InlineData("sqrt(16) * 2", "8")]
    [InlineData("SQRT(2)", "1.4142135623731")]
    [InlineData("pow(2, 0.5) ^ 2", "2")]
    [InlineData("abs(-4.5)", "4.5")]
    [InlineData("round(2.5)", "3")]
    [InlineData("round(-2.5)", "-3")]
    [InlineData("round(100 * 7 / 9, 2)", "77.78")]
    [InlineData("min(3, -1, 2) + max(1, 9)", "8")]
    [InlineData("floor(-1.5) + ceil(1.2) + trunc(-1.7)", "-1")]
    [InlineData("log(e) + ln(1) + log10(1000) + log2(8) + log(81, 3)", "11")]
    [InlineData("exp(0) + cbrt(27)", "4")]
    [InlineData("sin(pi / 2) + cos(0)", "2")]
    [InlineData("factorial(10)", "3628800")]
    [InlineData("1e3 + 1", "1001")]
    [InlineData("-0 * 5", "0")]
    [InlineData("2 + 2 =", "4")]
    public async Task Evaluates_arithmetic(string expression, string expected)
    {
        var result = await Evaluate(expression);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(expected, result.Output);
    }

    [Theory]
    [InlineData("1 / 0", "division by zero (1 / 0)")]
    [InlineData("5 % (2 - 2)", "division by zero (5 % 0)")]
    [InlineData("x + 1", "unknown name 'x'")]
    [InlineData("foo(2)", "unknown function 'foo' with 1 argument(s)")]
    [InlineData("sqrt(1, 2)", "unknown function 'sqrt' with 2 argument(s)")]
    [InlineData("(2 + 3", "syntax error")]
    [InlineData("2 3", "syntax error")]
    [InlineData("sqrt(-4)", "sqrt(-4) is not a real number")]
    [InlineData("10 ** 400", "10 ** 400 is infinite or too large for a double")]
    [InlineData("ln(0)", "ln(0) is infinite")]
    [InlineData("2.5!", "factorial needs a whole number from 0 to 170, not 2.5")]
    [InlineData("round(1.234, 1.5)", "round(x, digits) needs a whole number of digits")]
    [InlineData("1 < 2", "the operator Lesser is not arithmetic")]
    [InlineData("'text'", "'text' is not a number")]
    [InlineData("true", "'True' is not a number")]
    [InlineData("if(1, 2, 3)", "unknown function 'if'")]
    public async Task Bad_expressions_are_failed_results_with_the_reason(string expression, string reason)
    {
        var result = await Evaluate(expression);

        Assert.False(result.Succeeded);
        Assert.Contains(reason, result.Error);
        Assert.Equal("", result.Output);
    }

    [Theory]
    [InlineData("""{"expr": "1 + 1"}""", "the arguments have no field 'expression'")]
    [InlineData("""{"expression": 2}""", "the field 'expression' must be a non-empty string, but it is 2")]
    [InlineData("""{"expression": "  "}""", "must be a non-empty string")]
    [InlineData("\"1 + 1\"", "the arguments must be a JSON object, but they are \"1 + 1\"")]
    public async Task Malformed_arguments_are_failed_results(string arguments, string reason)
    {
        var result = await new CalculatorTool().InvokeAsync(JsonDocument.Parse(arguments).RootElement);

        Assert.False(result.Succeeded);
        Assert.Contains(reason, result.Error);
    }

    [Fact]
    public async Task The_demos_on_its_card_are_true()
    {
        var tool = new CalculatorTool();

        foreach (var demo in tool.Card.Demos)
        {
            var result = await tool.InvokeAsync(JsonDocument.Parse(demo.Arguments).RootElement);
            Assert.Equal(demo.Returns, result.Output);
        }
    }
}
