using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using AgentFlow.Cli.Serve;
using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>
/// <c>agentflow serve</c>'s <see cref="OpenAIServer"/> in the test process, on a free loopback port, so a test can reach
/// its <see cref="ModelHost"/> (hold the worker between two decode steps) while clients talk to it over HTTP.
/// </summary>
/// <remarks>
/// The test project leaves the ASP.NET Core shared framework out of its build (see its .csproj: the README snippets run
/// from this folder on the base runtime), so the server's ASP.NET Core assemblies are loaded, when it first needs them,
/// from the shared framework installed beside the running runtime, of the same version.
/// </remarks>
internal sealed class InProcessServer : IAsyncDisposable
{
    private static readonly Lock Gate = new();
    private static bool _resolving;
    private readonly OpenAIServer _server;

    private InProcessServer(OpenAIServer server) => _server = server;

    /// <summary>The server's model host.</summary>
    internal ModelHost Host => _server.Host;

    /// <summary>The server's root, <c>http://127.0.0.1:PORT</c>.</summary>
    internal Uri Url => new(_server.Address);

    internal static async Task<InProcessServer> StartAsync(LocalModel model, ServeOptions options)
    {
        ResolveAspNetCore();
        var server = new InProcessServer(Create(model, options));
        await server._server.StartAsync(CancellationToken.None);
        return server;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    // Not inlined, so nothing of ASP.NET Core is looked for before the resolver is in place.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static OpenAIServer Create(LocalModel model, ServeOptions options) => new(model, IPAddress.Loopback, 0, options);

    private static void ResolveAspNetCore()
    {
        lock (Gate)
        {
            if (_resolving)
                return;
            string runtime = RuntimeEnvironment.GetRuntimeDirectory();   // <dotnet root>/shared/Microsoft.NETCore.App/10.0.x/
            string version = new DirectoryInfo(runtime.TrimEnd(Path.DirectorySeparatorChar)).Name;
            string aspNet = Path.GetFullPath(Path.Combine(runtime, "..", "..", "Microsoft.AspNetCore.App", version));
            if (!Directory.Exists(aspNet))
                throw new InvalidOperationException($"the ASP.NET Core shared framework {version} that serve needs is not installed at {aspNet}");
            AssemblyLoadContext.Default.Resolving += (context, name) =>
                Path.Combine(aspNet, name.Name + ".dll") is var path && File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
            _resolving = true;
        }
    }
}
