using System.Globalization;

namespace QuickStart;

/// <summary>The quick start's few command-line options; anything else is an error that names it.</summary>
internal sealed record QuickStartArguments(double? LearningRate, double? Temperature, int Seed, int WorldSeed, int? Epochs, string? OutputFolder)
{
    internal static QuickStartArguments Parse(string[] args)
    {
        var parsed = new QuickStartArguments(null, null, 11, 1, null, null);
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            parsed = args[i] switch
            {
                "--lr" => parsed with { LearningRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--temperature" => parsed with { Temperature = double.Parse(value, CultureInfo.InvariantCulture) },
                "--seed" => parsed with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                "--world-seed" => parsed with { WorldSeed = int.Parse(value, CultureInfo.InvariantCulture) },
                "--epochs" => parsed with { Epochs = int.Parse(value, CultureInfo.InvariantCulture) },
                "--out" => parsed with { OutputFolder = value },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'; the options are --lr, --temperature, --seed, --world-seed, --epochs and --out."),
            };
            i++;
        }
        return parsed;
    }
}
