using AgentFlow.MLNet.Native;
using TorchSharp;

namespace AgentFlow.MLNet.Tests.Native;

/// <summary>Copies of the real TorchSharp native bridge for tests that edit or load one.</summary>
internal static class BridgeFiles
{
    /// <summary>
    /// The pristine bridge from the NuGet package folder. It is only read: tests edit copies of it,
    /// and the build output's copy may already have been patched by this process's module initialiser.
    /// </summary>
    internal static string Original
    {
        get
        {
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var version = typeof(torch).Assembly.GetName().Version!;
            string path = Path.Combine(packages, "torchsharp", $"{version.Major}.{version.Minor}.{version.Build}",
                "runtimes", "linux-x64", "native", TorchSharpNativeFixup.BridgeFileName);
            Assert.True(File.Exists(path), $"The TorchSharp package's native bridge was expected at {path}.");
            return path;
        }
    }

    /// <summary>Copies the pristine bridge to <paramref name="directory"/> (created if needed) and returns the copy's path.</summary>
    internal static string CopyTo(string directory)
    {
        Directory.CreateDirectory(directory);
        string copy = Path.Combine(directory, TorchSharpNativeFixup.BridgeFileName);
        File.Copy(Original, copy);
        return copy;
    }
}
