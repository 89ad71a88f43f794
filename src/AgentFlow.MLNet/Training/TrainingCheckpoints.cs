using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFlow.MLNet.IO;
using AgentFlow.MLNet.Models.Checkpoints;
using AgentFlow.MLNet.Models.Decoder;
using AgentFlow.MLNet.Models.Lora;

namespace AgentFlow.MLNet.Training;

/// <summary>
/// Writes, finds, verifies and restores training checkpoints: <c>checkpoint-{step}</c> folders (TRL's naming) holding the
/// planner (PEFT adapters, or the full weights), <c>optimizer.safetensors</c> and <c>trainer_state.json</c>. A checkpoint
/// is written into a hidden temporary folder, every file checksummed, and renamed into place only when complete, so a
/// crash leaves either the whole checkpoint or none of it. Nothing random needs saving: every sample's seed and the
/// epoch's data order derive from (seed, step, row, sample), and the update seeds its dropout from (seed, step).
/// </summary>
internal static class TrainingCheckpoints
{
    internal const string Prefix = "checkpoint-";

    /// <summary>
    /// Options a resumed run may change: where it writes, how often it saves and validates, how long it runs and how
    /// patient its guard is. Any other difference would make the resumed run a different run.
    /// </summary>
    private static readonly HashSet<string> ResumableChanges = new(StringComparer.Ordinal)
    {
        "output_folder", "resume_from_checkpoint", "save_steps", "save_total_limit", "eval_steps", "num_train_epochs", "max_consecutive_non_finite_steps",
    };

    internal static string FolderName(int step) => Prefix + step.ToString(CultureInfo.InvariantCulture);

    /// <summary>SHA-256 over the training rows in order (question, answers, source): what the data order and seeds index.</summary>
    internal static string Fingerprint(IReadOnlyList<TrainingExample> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var row in rows)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(row.Question));
            hash.AppendData([0]);
            foreach (var answer in row.Answers)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(answer));
                hash.AppendData([0x1f]);
            }
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(row.Source ?? ""));
            hash.AppendData([0x1e]);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    internal static JsonObject OptionsJson(FlowGrpoOptions options) =>
        (JsonObject)JsonSerializer.SerializeToNode(options, TrainerState.Json)!;

    /// <summary>
    /// Writes checkpoint <paramref name="state"/>.GlobalStep into <paramref name="outputFolder"/>, replacing one of the
    /// same step (left by a run that was later resumed from an earlier step), and returns its folder.
    /// </summary>
    internal static string Save(string outputFolder, CausalLM model, PolicyUpdater updater, TrainerState state)
    {
        Directory.CreateDirectory(outputFolder);
        string final = Path.Combine(outputFolder, FolderName(state.GlobalStep));
        string partial = Path.Combine(outputFolder, $".{FolderName(state.GlobalStep)}.{Environment.ProcessId}.{Guid.NewGuid():N}.partial");
        try
        {
            Directory.CreateDirectory(partial);
            if (model.Lora is not null)
                LoraCheckpoint.Save(model, partial);
            else
                SafetensorsCheckpoint.Save(model, partial, dtype: null, maxShardBytes: long.MaxValue);
            updater.SaveState(partial);
            var files = Directory.EnumerateFiles(partial)
                .Select(Path.GetFileName)
                .Order(StringComparer.Ordinal)
                .ToDictionary(name => name!, name => Sha256(Path.Combine(partial, name!)), StringComparer.Ordinal);
            var complete = state with { Files = files, Lora = model.Lora is not null };
            AtomicFile.WriteAllBytes(Path.Combine(partial, TrainerState.FileName), JsonSerializer.SerializeToUtf8Bytes(complete, TrainerState.Json));
            if (Directory.Exists(final))
                Directory.Delete(final, recursive: true);
            Directory.Move(partial, final);
            return final;
        }
        finally
        {
            if (Directory.Exists(partial))
                Directory.Delete(partial, recursive: true);
        }
    }

    /// <summary>
    /// The checkpoints <paramref name="path"/> names, to try in order: the checkpoint folder itself, or an output folder's
    /// complete checkpoints, newest first (so a damaged newest one gives way to the one before it).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The path is not a folder.</exception>
    /// <exception cref="InvalidDataException">The folder holds no checkpoint.</exception>
    internal static IReadOnlyList<string> Candidates(string path)
    {
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"The checkpoint folder '{path}' does not exist.");
        if (File.Exists(Path.Combine(path, TrainerState.FileName)))
            return [path];
        var candidates = Directory.EnumerateDirectories(path, Prefix + "*")
            .Select(folder => (Folder: folder, Step: StepOf(folder)))
            .Where(c => c.Step >= 0 && File.Exists(Path.Combine(c.Folder, TrainerState.FileName)))
            .OrderByDescending(c => c.Step)
            .Select(c => c.Folder)
            .ToList();
        return candidates.Count > 0 ? candidates
            : throw new InvalidDataException($"'{path}' holds no Flow-GRPO checkpoint: no {TrainerState.FileName} and no {Prefix}N folder with one.");
    }

    /// <summary>Reads the state of the checkpoint in <paramref name="folder"/> and checks every file against its recorded SHA-256.</summary>
    /// <exception cref="InvalidDataException">The state is unreadable, of another format, or a file is missing or damaged.</exception>
    internal static TrainerState Read(string folder)
    {
        string statePath = Path.Combine(folder, TrainerState.FileName);
        TrainerState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllBytes(statePath), TrainerState.Json)
                ?? throw new InvalidDataException($"'{statePath}' holds null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{statePath}' is not a valid trainer state: {e.Message}", e);
        }
        if (state.Format != TrainerState.CurrentFormat)
            throw new InvalidDataException($"'{statePath}' has format '{state.Format}'; this version reads '{TrainerState.CurrentFormat}'.");
        if (state.Files.Count == 0)
            throw new InvalidDataException($"'{statePath}' lists no files.");
        foreach (var (name, expected) in state.Files)
        {
            string file = Path.Combine(folder, name);
            if (!File.Exists(file))
                throw new InvalidDataException($"Checkpoint '{folder}' is incomplete: '{name}' is missing.");
            string actual = Sha256(file);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"Checkpoint '{folder}' is damaged: '{name}' has SHA-256 {actual}, not the {expected} recorded in {TrainerState.FileName}. Resume from an earlier checkpoint.");
        }
        return state;
    }

    /// <summary>
    /// Checks that a run with <paramref name="options"/> on <paramref name="train"/> can continue from <paramref name="state"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data, the options or the kind of training differ; the message names what.</exception>
    internal static void CheckCompatible(TrainerState state, string folder, FlowGrpoOptions options, IReadOnlyList<TrainingExample> train, bool lora)
    {
        if (state.TrainRows != train.Count || state.TrainFingerprint != Fingerprint(train))
            throw new InvalidOperationException($"Checkpoint '{folder}' was trained on another training set ({state.TrainRows} rows, fingerprint {state.TrainFingerprint[..Math.Min(12, state.TrainFingerprint.Length)]}); resuming needs the same rows in the same order.");
        if (state.Lora != lora)
            throw new InvalidOperationException(state.Lora
                ? $"Checkpoint '{folder}' holds LoRA adapters but the model has none; attach the same adapters as at the start of the run."
                : $"Checkpoint '{folder}' holds full weights but the model has LoRA adapters.");
        var current = OptionsJson(options);
        // Under a cosine schedule the run's length shapes every step's learning rate, so it must stay.
        var resumable = options.LrScheduler == LearningRateScheduler.Constant ? ResumableChanges : ResumableChanges.Where(k => k != "num_train_epochs").ToHashSet();
        foreach (var key in state.Options.Select(p => p.Key).Union(current.Select(p => p.Key)).Where(k => !resumable.Contains(k)))
        {
            if (!JsonNode.DeepEquals(state.Options[key], current[key]))
                throw new InvalidOperationException($"Checkpoint '{folder}' was trained with {key} = {state.Options[key]?.ToJsonString() ?? "null"}, but this run has {current[key]?.ToJsonString() ?? "null"}; a resumed run must keep every option except {string.Join(", ", resumable.Order())}.");
        }
    }

    /// <summary>Loads the checkpoint's planner weights into <paramref name="model"/>, set up as at the start of the run.</summary>
    internal static void LoadModel(string folder, CausalLM model)
    {
        if (model.Lora is not null)
            LoraCheckpoint.LoadWeights(model, folder);
        else
            SafetensorsCheckpoint.LoadInto(model, SafetensorsCheckpoint.Open(folder));
    }

    /// <summary>
    /// Deletes the oldest checkpoints beyond <paramref name="limit"/> (TRL's <c>save_total_limit</c>), never one named in
    /// <paramref name="keep"/> (the one just written, the best one).
    /// </summary>
    internal static void Rotate(string outputFolder, int limit, IReadOnlyCollection<string?> keep)
    {
        var checkpoints = After(outputFolder, -1);
        int excess = checkpoints.Count - limit;
        foreach (string folder in checkpoints)
        {
            if (excess <= 0)
                break;
            if (keep.Contains(Path.GetFileName(folder)))
                continue;
            Directory.Delete(folder, recursive: true);
            excess--;
        }
    }

    /// <summary>The <c>checkpoint-N</c> folders of <paramref name="outputFolder"/> with N &gt; <paramref name="step"/>, oldest first.</summary>
    internal static IReadOnlyList<string> After(string outputFolder, int step) =>
        Directory.Exists(outputFolder)
            ? [.. Directory.EnumerateDirectories(outputFolder, Prefix + "*")
                .Select(folder => (Folder: folder, Step: StepOf(folder)))
                .Where(c => c.Step > step)
                .OrderBy(c => c.Step)
                .Select(c => c.Folder)]
            : [];

    private static int StepOf(string folder)
    {
        string name = Path.GetFileName(folder);
        return name.StartsWith(Prefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int step) ? step : -1;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
