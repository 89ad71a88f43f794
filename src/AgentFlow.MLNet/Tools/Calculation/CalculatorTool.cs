using System.Text.Json;

namespace AgentFlow.MLNet.Tools.Calculation;

/// <summary>
/// <c>calculator</c>: evaluates one arithmetic expression deterministically, in double precision. Cheaper and
/// more reliable than asking a model to do arithmetic, and safer than running code for it.
/// </summary>
public sealed class CalculatorTool : ITool
{
    /// <inheritdoc />
    public ToolCard Card { get; } = new()
    {
        Name = "calculator",
        Description = "Evaluates one arithmetic expression exactly as written and returns its value.",
        InputSchema = """
            {"type": "object",
             "properties": {"expression": {"type": "string", "description": "An arithmetic expression, such as (3 + 5) * sqrt(16) / 2"}},
             "required": ["expression"]}
            """,
        OutputDescription = "The value as a decimal number with up to 15 significant digits, or the reason the expression cannot be evaluated.",
        Demos =
        [
            new("""{"expression": "(3 + 5) * sqrt(16) / 2"}""", "16"),
            new("""{"expression": "2^10 - 5!"}""", "904"),
            new("""{"expression": "round(100 * 7 / 9, 2)"}""", "77.78"),
        ],
        Limitations =
        [
            "Numbers and arithmetic only: no variables, units, equations, symbolic algebra or text.",
            "Double precision: integers beyond 2^53 and long decimals are rounded.",
            $"Functions: {CalculatorExpression.Functions}; constants pi and e.",
        ],
        BestPractices =
        [
            "Write the whole computation as one expression with parentheses instead of calling the tool step by step.",
            "Use the python tool for loops, lists, exact big integers or anything beyond a single formula.",
        ],
    };

    /// <inheritdoc />
    public ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!ToolArguments.TryGetString(arguments, "expression", out string? expression, out string error))
            return ValueTask.FromResult(ToolResult.Failure(error));
        return ValueTask.FromResult(CalculatorExpression.TryEvaluate(expression, out double value, out error)
            ? ToolResult.Success(CalculatorExpression.Format(value))
            : ToolResult.Failure(error));
    }
}
