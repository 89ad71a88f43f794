namespace AgentFlow.MLNet.Models.Decoder;

/// <summary>Which projections get LoRA adapters and how large they are.</summary>
public sealed record LoraOptions
{
    /// <summary>Every projection of the Llama/Qwen2 decoder, the default target set.</summary>
    public static readonly IReadOnlyList<string> AllProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Rank r of each adapter. Default 16.</summary>
    public int Rank { get; init; } = 16;

    /// <summary>Scaling numerator α: the adapter's output is multiplied by α / r. Default 32.</summary>
    public double Alpha { get; init; } = 32;

    /// <summary>Dropout on the adapter's input while training. Default 0.</summary>
    public double Dropout { get; init; }

    /// <summary>Projection names (the last part of the parameter path) that get adapters. Default <see cref="AllProjections"/>.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = AllProjections;

    /// <summary>Seed for the adapters' A matrices. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (Rank <= 0)
            throw new ArgumentOutOfRangeException(nameof(Rank), Rank, "The LoRA rank must be positive.");
        if (Alpha <= 0 || double.IsNaN(Alpha))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "LoRA alpha must be positive.");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "LoRA dropout must be in [0, 1).");
        var unknown = TargetModules.Except(AllProjections).ToList();
        if (TargetModules.Count == 0 || unknown.Count > 0)
            throw new ArgumentException($"LoRA target modules must be a non-empty subset of [{string.Join(", ", AllProjections)}]; unknown: [{string.Join(", ", unknown)}].", nameof(TargetModules));
    }
}
