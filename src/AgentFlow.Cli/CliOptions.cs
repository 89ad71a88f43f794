using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using static TorchSharp.torch;

namespace AgentFlow.Cli;

/// <summary>
/// Options whose values are checked while the command line is parsed, before any file or model is touched, so a
/// bad value is reported as a usage error naming the flag and what it accepts: <c>--max-tokens must be a positive
/// whole number, got -5</c>.
/// </summary>
internal static class CliOptions
{
    /// <summary>
    /// A numeric option read with the invariant culture (so <c>0,7</c> is refused rather than read as 7). A value
    /// that does not parse or fails <paramref name="isValid"/> is the error "<paramref name="name"/> must be
    /// <paramref name="expected"/>, got ...".
    /// </summary>
    internal static Option<T> Number<T>(string name, string description, string expected, Func<T, bool> isValid, T? defaultValue = null)
        where T : struct, INumber<T>
    {
        var option = new Option<T>(name)
        {
            Description = description,
            CustomParser = result => ParseNumber(result, name, expected, isValid),
        };
        if (defaultValue is T value)
            option.DefaultValueFactory = _ => value;
        return option;
    }

    /// <summary>
    /// A numeric option that also takes the word <paramref name="none"/> for "no value": <c>--dual-clip off</c>. Read it
    /// with <see cref="NumberOrNoneValue{T}"/>. Anything else that does not parse or fails <paramref name="isValid"/> is
    /// the error "<paramref name="name"/> must be <paramref name="expected"/>, got ...".
    /// </summary>
    internal static Option<string> NumberOrNone<T>(string name, string description, string none, string expected, Func<T, bool> isValid)
        where T : struct, INumber<T>
    {
        var option = new Option<string>(name) { Description = description };
        option.Validators.Add(result =>
        {
            string text = result.GetValueOrDefault<string>()!;
            if (string.Equals(text, none, StringComparison.OrdinalIgnoreCase))
                return;
            if (!T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out T value))
                result.AddError($"{name} must be {expected}, got '{text}'");
            else if (!isValid(value))
                result.AddError($"{name} must be {expected}, got {value.ToString(null, CultureInfo.InvariantCulture)}");
        });
        return option;
    }

    /// <summary>The value of a <see cref="NumberOrNone{T}"/> option that passed its check: null for the word, else the number.</summary>
    internal static T? NumberOrNoneValue<T>(string text, string none) where T : struct, INumber<T> =>
        string.Equals(text, none, StringComparison.OrdinalIgnoreCase) ? null : T.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>
    /// An enum option spelled in kebab case (<c>SeqMeanTokenSumNorm</c> → <c>seq-mean-token-sum-norm</c>; the member name
    /// itself, in any case, is accepted too); anything else is "<paramref name="name"/> must be one of ..., got '...'".
    /// </summary>
    internal static Option<TEnum> Choice<TEnum>(string name, string description, TEnum defaultValue)
        where TEnum : struct, Enum
    {
        string names = string.Join(", ", Enum.GetValues<TEnum>().Select(KebabCase));
        var spellings = new Dictionary<string, TEnum>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in Enum.GetValues<TEnum>())
        {
            spellings[KebabCase(value)] = value;
            spellings[value.ToString()] = value;
        }
        return new Option<TEnum>(name)
        {
            Description = $"{description}: {names}. Default {KebabCase(defaultValue)}.",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                string text = result.Tokens[0].Value;
                if (spellings.TryGetValue(text, out var value))
                    return value;
                result.AddError($"{name} must be one of {names}, got '{text}'");
                return defaultValue;
            },
        };
    }

    /// <summary><c>SeqMeanTokenSumNorm</c> → <c>seq-mean-token-sum-norm</c>.</summary>
    internal static string KebabCase<TEnum>(TEnum value) where TEnum : struct, Enum => KebabCase(value.ToString());

    /// <summary><c>EpsilonHigh</c> → <c>epsilon-high</c>.</summary>
    internal static string KebabCase(string pascalCase) =>
        string.Concat(pascalCase.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>A text option whose value must satisfy <paramref name="isValid"/>; otherwise "<paramref name="name"/> must be <paramref name="expected"/>, got '...'".</summary>
    internal static Option<string> Text(string name, string description, string expected, Func<string, bool> isValid, string defaultValue)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !isValid(value))
                result.AddError($"{name} must be {expected}, got '{value}'");
        });
        return option;
    }

    /// <summary>The tensor type a <c>--dtype</c> value names, or null when it names none.</summary>
    internal static ScalarType? DType(string value) => value.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" => ScalarType.Float16,
        _ => null,
    };

    /// <summary>Whether <paramref name="value"/> is a device spelling <c>ComputeDevice.Resolve</c> understands: auto, cpu, cuda or cuda:N.</summary>
    internal static bool IsDevice(string value)
    {
        string device = value.Trim().ToLowerInvariant();
        return device is "auto" or "cpu" or "cuda"
            || (device.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(device.AsSpan("cuda:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out _));
    }

    private static T ParseNumber<T>(ArgumentResult result, string name, string expected, Func<T, bool> isValid)
        where T : struct, INumber<T>
    {
        // An option of one value always arrives with exactly one token; System.CommandLine reports a missing one itself.
        string text = result.Tokens[0].Value;
        if (!T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out T value))
            result.AddError($"{name} must be {expected}, got '{text}'");
        else if (!isValid(value))
            result.AddError($"{name} must be {expected}, got {value.ToString(null, CultureInfo.InvariantCulture)}");
        return value;
    }
}
