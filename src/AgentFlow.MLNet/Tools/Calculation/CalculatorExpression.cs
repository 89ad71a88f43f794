using System.Globalization;
using NCalc;
using NCalc.Exceptions;

namespace AgentFlow.MLNet.Tools.Calculation;

/// <summary>
/// Evaluates an arithmetic expression in double precision. NCalc's parser builds the tree (precedence,
/// parentheses, error positions); evaluation is ours, so the rules are fixed and deterministic: only
/// numbers, <c>+ - * / % **</c>, postfix <c>!</c>, the constants <c>pi</c> and <c>e</c> and the functions in
/// <see cref="Functions"/>; everything else (names, comparisons, strings) is an error, as are division by
/// zero and results that are not finite real numbers. Models write <c>×</c>, <c>÷</c>, <c>−</c> and <c>^</c>
/// (meaning power, not NCalc's exclusive or), so those are read as <c>*</c>, <c>/</c>, <c>-</c> and <c>**</c>.
/// </summary>
internal static class CalculatorExpression
{
    /// <summary>The function names understood, with their argument counts, for error messages and the tool card.</summary>
    internal const string Functions =
        "abs(x), sqrt(x), cbrt(x), pow(x, y), exp(x), ln(x), log(x) (natural), log(x, base), log10(x), log2(x), " +
        "floor(x), ceil(x), round(x), round(x, digits), trunc(x), min(x, ...), max(x, ...), factorial(n), " +
        "sin(x), cos(x), tan(x), asin(x), acos(x), atan(x) (radians)";

    /// <summary>Evaluates <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    internal static bool TryEvaluate(string text, out double value, out string error)
    {
        value = 0;
        LogicalExpression root;
        try
        {
            root = LogicalExpressionParser.Parse(Normalize(text), new LogicalExpressionParserOptions(), CultureInfo.InvariantCulture, CancellationToken.None);
        }
        catch (NCalcException exception)
        {
            error = $"syntax error: {exception.Message}";
            return false;
        }
        return TryEvaluate(root, out value, out error);
    }

    /// <summary>The value formatted for a model: 15 significant digits, so 0.1 + 0.2 reads 0.3.</summary>
    internal static string Format(double value) => (value == 0 ? 0 : value).ToString("G15", CultureInfo.InvariantCulture);

    private static string Normalize(string text) =>
        text.Replace('×', '*').Replace('÷', '/').Replace('−', '-').Replace("^", "**", StringComparison.Ordinal).Trim().TrimEnd('=').Trim();

    private static bool TryEvaluate(LogicalExpression node, out double value, out string error)
    {
        value = 0;
        error = "";
        switch (node)
        {
            case ValueExpression { Value: int or long or double or decimal or float } literal:
                value = Convert.ToDouble(literal.Value, CultureInfo.InvariantCulture);
                return true;
            case ValueExpression literal:
                error = $"'{literal.Value}' is not a number";
                return false;
            case Identifier identifier:
                return TryConstant(identifier.Name, out value, out error);
            case UnaryExpression unary:
                return TryEvaluate(unary.Expression, out double operand, out error) && TryUnary(unary.Type, operand, out value, out error);
            case BinaryExpression binary:
                return TryEvaluate(binary.LeftExpression, out double left, out error)
                    && TryEvaluate(binary.RightExpression, out double right, out error)
                    && TryBinary(binary.Type, left, right, out value, out error);
            case Function function:
                return TryFunction(function, out value, out error);
            default:
                error = "only numbers, arithmetic operators, parentheses and functions are allowed";
                return false;
        }
    }

    private static bool TryConstant(string name, out double value, out string error)
    {
        error = "";
        switch (name.ToLowerInvariant())
        {
            case "pi":
                value = Math.PI;
                return true;
            case "e":
                value = Math.E;
                return true;
            default:
                value = 0;
                error = $"unknown name '{name}': only numbers, the constants pi and e, and the functions {Functions} are allowed";
                return false;
        }
    }

    private static bool TryUnary(UnaryExpressionType type, double operand, out double value, out string error)
    {
        switch (type)
        {
            case UnaryExpressionType.Negate:
                value = -operand;
                error = "";
                return true;
            case UnaryExpressionType.Positive:
                value = operand;
                error = "";
                return true;
            case UnaryExpressionType.Factorial:
                return TryFactorial(operand, out value, out error);
            default:
                value = 0;
                error = $"the operator {type} is not arithmetic";
                return false;
        }
    }

    private static bool TryBinary(BinaryExpressionType type, double left, double right, out double value, out string error)
    {
        value = 0;
        error = "";
        switch (type)
        {
            case BinaryExpressionType.Plus:
                value = left + right;
                break;
            case BinaryExpressionType.Minus:
                value = left - right;
                break;
            case BinaryExpressionType.Times:
                value = left * right;
                break;
            case BinaryExpressionType.Div or BinaryExpressionType.Modulo when right == 0:
                error = $"division by zero ({Format(left)} {(type == BinaryExpressionType.Div ? "/" : "%")} 0)";
                return false;
            case BinaryExpressionType.Div:
                value = left / right;
                break;
            case BinaryExpressionType.Modulo:
                value = left % right;
                break;
            case BinaryExpressionType.Exponentiation:
                value = Math.Pow(left, right);
                break;
            default:
                error = $"the operator {type} is not arithmetic (only + - * / % ** and !)";
                return false;
        }
        return CheckFinite(value, $"{Format(left)} {Symbol(type)} {Format(right)}", out error);
    }

    private static string Symbol(BinaryExpressionType type) => type switch
    {
        BinaryExpressionType.Plus => "+",
        BinaryExpressionType.Minus => "-",
        BinaryExpressionType.Times => "*",
        BinaryExpressionType.Div => "/",
        BinaryExpressionType.Modulo => "%",
        _ => "**",
    };

    private static bool TryFunction(Function function, out double value, out string error)
    {
        value = 0;
        string name = function.Identifier.Name.ToLowerInvariant();
        var arguments = new double[function.Parameters.Count];
        for (int i = 0; i < arguments.Length; i++)
        {
            if (!TryEvaluate(function.Parameters[i], out arguments[i], out error))
                return false;
        }
        if (!TryApply(name, arguments, out value, out error))
            return false;
        string call = $"{name}({string.Join(", ", arguments.Select(Format))})";
        return CheckFinite(value, call, out error);
    }

    private static bool TryApply(string name, double[] x, out double value, out string error)
    {
        value = 0;
        error = "";
        int count = x.Length;
        switch (name)
        {
            case "abs" when count == 1: value = Math.Abs(x[0]); return true;
            case "sqrt" when count == 1: value = Math.Sqrt(x[0]); return true;
            case "cbrt" when count == 1: value = Math.Cbrt(x[0]); return true;
            case "pow" when count == 2: value = Math.Pow(x[0], x[1]); return true;
            case "exp" when count == 1: value = Math.Exp(x[0]); return true;
            case "ln" or "log" when count == 1: value = Math.Log(x[0]); return true;
            case "log" when count == 2: value = Math.Log(x[0], x[1]); return true;
            case "log10" when count == 1: value = Math.Log10(x[0]); return true;
            case "log2" when count == 1: value = Math.Log2(x[0]); return true;
            case "floor" when count == 1: value = Math.Floor(x[0]); return true;
            case "ceil" or "ceiling" when count == 1: value = Math.Ceiling(x[0]); return true;
            case "trunc" or "truncate" when count == 1: value = Math.Truncate(x[0]); return true;
            // Halves round away from zero, as people (and most calculators) round, not to even as Python does.
            case "round" when count == 1: value = Math.Round(x[0], MidpointRounding.AwayFromZero); return true;
            case "round" when count == 2: return TryRound(x[0], x[1], out value, out error);
            case "min" when count >= 1: value = x.Min(); return true;
            case "max" when count >= 1: value = x.Max(); return true;
            case "factorial" when count == 1: return TryFactorial(x[0], out value, out error);
            case "sin" when count == 1: value = Math.Sin(x[0]); return true;
            case "cos" when count == 1: value = Math.Cos(x[0]); return true;
            case "tan" when count == 1: value = Math.Tan(x[0]); return true;
            case "asin" when count == 1: value = Math.Asin(x[0]); return true;
            case "acos" when count == 1: value = Math.Acos(x[0]); return true;
            case "atan" when count == 1: value = Math.Atan(x[0]); return true;
            default:
                error = $"unknown function '{name}' with {count} argument(s); available: {Functions}";
                return false;
        }
    }

    private static bool TryRound(double x, double digits, out double value, out string error)
    {
        value = 0;
        error = "";
        if (digits != Math.Floor(digits) || digits < 0 || digits > 15)
        {
            error = $"round(x, digits) needs a whole number of digits from 0 to 15, not {Format(digits)}";
            return false;
        }
        value = Math.Round(x, (int)digits, MidpointRounding.AwayFromZero);
        return true;
    }

    private static bool TryFactorial(double n, out double value, out string error)
    {
        value = 1;
        error = "";
        // 170! is the largest factorial a double holds.
        if (n != Math.Floor(n) || n < 0 || n > 170)
        {
            error = $"factorial needs a whole number from 0 to 170, not {Format(n)}";
            return false;
        }
        for (int i = 2; i <= (int)n; i++)
            value *= i;
        return true;
    }

    private static bool CheckFinite(double value, string what, out string error)
    {
        error = double.IsNaN(value) ? $"{what} is not a real number"
            : double.IsInfinity(value) ? $"{what} is infinite or too large for a double"
            : "";
        return error.Length == 0;
    }
}
