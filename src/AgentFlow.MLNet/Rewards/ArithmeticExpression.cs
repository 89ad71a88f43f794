using System.Globalization;
using System.Numerics;
using NCalc;
using NCalc.Exceptions;

namespace AgentFlow.MLNet.Rewards;

/// <summary>
/// An integer arithmetic expression with + - * / and parentheses, evaluated exactly. NCalc's parser builds
/// the tree (precedence, associativity, parentheses, error positions); evaluation is ours, over
/// <see cref="Rational"/>, because NCalc's own evaluator works in double or decimal, where 8 / (3 - 8/3)
/// is not exactly 24. Anything beyond the four binary operators on integer literals (unary minus,
/// powers, functions, names, decimals) is rejected.
/// </summary>
internal sealed class ArithmeticExpression
{
    private static readonly LogicalExpressionParserOptions ParserOptions = new() { IntegerNumberType = IntegerNumberType.Int64 };

    private readonly LogicalExpression root;

    private ArithmeticExpression(LogicalExpression root, IReadOnlyList<BigInteger> literals) => (this.root, Literals) = (root, literals);

    /// <summary>The integer literals, in reading order.</summary>
    internal IReadOnlyList<BigInteger> Literals { get; }

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    internal static bool TryParse(string text, out ArithmeticExpression? expression, out string error)
    {
        expression = null;
        LogicalExpression root;
        try
        {
            root = LogicalExpressionParser.Parse(text, ParserOptions, CultureInfo.InvariantCulture, CancellationToken.None);
        }
        catch (NCalcException)
        {
            error = "not a well-formed arithmetic expression";
            return false;
        }
        var literals = new List<BigInteger>();
        if (!TryCollectLiterals(root, literals, out error))
            return false;
        expression = new ArithmeticExpression(root, literals);
        return true;
    }

    /// <summary>The exact value, or false when the expression divides by zero.</summary>
    internal bool TryEvaluate(out Rational value) => TryEvaluate(root, out value);

    private static bool TryCollectLiterals(LogicalExpression node, List<BigInteger> literals, out string error)
    {
        switch (node)
        {
            case ValueExpression { Value: int or long } literal:
                var number = new BigInteger(Convert.ToInt64(literal.Value, CultureInfo.InvariantCulture));
                if (number.Sign < 0)
                {
                    error = $"the negative number {number} is not allowed";
                    return false;
                }
                literals.Add(number);
                error = "";
                return true;
            case ValueExpression literal:
                error = $"'{literal.Value}' is not an integer";
                return false;
            case BinaryExpression { Type: BinaryExpressionType.Plus or BinaryExpressionType.Minus or BinaryExpressionType.Times or BinaryExpressionType.Div } binary:
                return TryCollectLiterals(binary.LeftExpression, literals, out error)
                    && TryCollectLiterals(binary.RightExpression, literals, out error);
            case BinaryExpression binary:
                error = $"the operator {binary.Type} is not allowed (only + - * /)";
                return false;
            case UnaryExpression unary:
                error = $"the unary operator {unary.Type} is not allowed (only + - * / between numbers)";
                return false;
            default:
                // Names, function calls, lists such as "()" and conditionals: NCalc grammar this task has no use for.
                error = "only numbers, + - * / and parentheses are allowed";
                return false;
        }
    }

    private static bool TryEvaluate(LogicalExpression node, out Rational value)
    {
        if (node is ValueExpression literal)
        {
            value = Rational.FromInteger(Convert.ToInt64(literal.Value, CultureInfo.InvariantCulture));
            return true;
        }
        var binary = (BinaryExpression)node;
        value = default;
        if (!TryEvaluate(binary.LeftExpression, out var left) || !TryEvaluate(binary.RightExpression, out var right))
            return false;
        switch (binary.Type)
        {
            case BinaryExpressionType.Plus:
                value = left + right;
                return true;
            case BinaryExpressionType.Minus:
                value = left - right;
                return true;
            case BinaryExpressionType.Times:
                value = left * right;
                return true;
            default:
                if (right.IsZero)
                    return false;
                value = left / right;
                return true;
        }
    }
}
