using System.Text.Json;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// Reads benchmark files (a JSON array of rows with <c>pid</c>, <c>query</c> and/or <c>question</c>, and
/// <c>answer</c>) into <see cref="BenchmarkSet"/>s, from the folder shipped beside the library or from any
/// other folder or file. Loading is deterministic: items keep file order. A malformed file or row throws
/// <see cref="InvalidDataException"/> naming the file, the row index and the field.
/// </summary>
public static class BenchmarkLoader
{
    /// <summary>
    /// The shipped test sets: <c>data/benchmarks</c> beside the AgentFlow.MLNet assembly, where the build and
    /// the NuGet package copy them.
    /// </summary>
    public static string DefaultDirectory { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(BenchmarkLoader).Assembly.Location) is { Length: > 0 } folder ? folder : AppContext.BaseDirectory,
            "data", "benchmarks");

    /// <summary>Loads <paramref name="benchmark"/> from <paramref name="directory"/> (default <see cref="DefaultDirectory"/>).</summary>
    /// <exception cref="FileNotFoundException">The folder has no file for this benchmark.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON or a row is malformed.</exception>
    public static BenchmarkSet Load(BenchmarkDefinition benchmark, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        string folder = directory ?? DefaultDirectory;
        string path = Path.Combine(folder, benchmark.FileName);
        if (!File.Exists(path))
        {
            string hint = directory is null
                ? "The test sets ship with AgentFlow.MLNet in data/benchmarks beside the assembly; pass the folder that holds them if they were not copied."
                : "Pass the folder that holds the benchmark files.";
            throw new FileNotFoundException($"Benchmark '{benchmark.Name}' expects {benchmark.FileName} in {Path.GetFullPath(folder)}, which does not exist. {hint}", path);
        }
        return LoadFile(benchmark, path);
    }

    /// <summary>Loads the shipped benchmark called <paramref name="name"/> (see <see cref="BenchmarkCatalog.Get"/>).</summary>
    public static BenchmarkSet Load(string name, string? directory = null) => Load(BenchmarkCatalog.Get(name), directory);

    /// <summary>Loads all seven shipped benchmarks, in <see cref="BenchmarkCatalog.All"/> order.</summary>
    public static IReadOnlyList<BenchmarkSet> LoadAll(string? directory = null) =>
        [.. BenchmarkCatalog.All.Select(b => Load(b, directory))];

    /// <summary>Loads the rows of <paramref name="path"/> as items of <paramref name="benchmark"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON, not an array of rows, or a row is malformed.</exception>
    public static BenchmarkSet LoadFile(BenchmarkDefinition benchmark, string path)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);
        using var stream = File.OpenRead(fullPath);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{fullPath}: not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{fullPath}: expected a JSON array of rows, found {document.RootElement.ValueKind}.");
            var reader = new BenchmarkRowReader(benchmark, fullPath);
            var items = new List<BenchmarkItem>(document.RootElement.GetArrayLength());
            var ids = new HashSet<string>(StringComparer.Ordinal);
            int index = 0;
            foreach (var row in document.RootElement.EnumerateArray())
            {
                var item = reader.Read(row, index);
                if (!ids.Add(item.Id))
                    throw new InvalidDataException($"{fullPath}, row {index}: 'pid' {item.Id} repeats an earlier row's.");
                items.Add(item);
                index++;
            }
            return new BenchmarkSet(benchmark, fullPath, items);
        }
    }
}
