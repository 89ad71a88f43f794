using static TorchSharp.torch;

namespace AgentFlow.Cli;

/// <summary>Parsing of option values shared by several verbs.</summary>
internal static class CliParsing
{
    internal static ScalarType DType(string value) => value.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" => ScalarType.Float16,
        _ => throw new ArgumentException($"Unknown --dtype '{value}'; use float32, bfloat16 or float16."),
    };
}
