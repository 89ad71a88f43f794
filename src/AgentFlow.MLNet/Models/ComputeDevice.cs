using static TorchSharp.torch;

namespace AgentFlow.MLNet.Models;

/// <summary>Chooses where tensors live from a user's setting.</summary>
public static class ComputeDevice
{
    /// <summary>
    /// Resolves <c>auto</c> (CUDA when a GPU and the CUDA build are present, otherwise the CPU), <c>cpu</c>, <c>cuda</c>
    /// or <c>cuda:N</c>. Asking for CUDA where it is unavailable is an error that says why, never a silent CPU fallback.
    /// </summary>
    public static Device Resolve(string setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        string value = setting.Trim().ToLowerInvariant();
        if (value == "auto")
            return cuda.is_available() ? CUDA : CPU;
        if (value == "cpu")
            return CPU;
        if (value == "cuda" || value.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new NotSupportedException($"Device '{setting}' was requested, but CUDA is not available: build with -p:TorchBackend=cuda and run on a machine with an NVIDIA GPU and driver.");
            return device(value);
        }
        throw new ArgumentException($"Unknown device '{setting}'; use auto, cpu, cuda or cuda:N.", nameof(setting));
    }
}
