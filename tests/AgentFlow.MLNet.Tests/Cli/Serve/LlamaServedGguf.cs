using AgentFlow.MLNet.Models;
using AgentFlow.MLNet.Models.Hosting;

namespace AgentFlow.MLNet.Tests.Cli.Serve;

/// <summary>One GGUF file, served by llama-server and loaded here from the same file: the oracle.</summary>
internal sealed class LlamaServedGguf : IDisposable
{
    internal LlamaServedGguf(string program, string gguf)
    {
        Gguf = gguf;
        Oracle = LocalModel.Load(gguf);
        Host = new ModelHost(Oracle);
        Server = new LlamaServerProcess(program, gguf, Oracle.Model.Config.MaxPositionEmbeddings);
    }

    internal string Gguf { get; }

    internal LocalModel Oracle { get; }

    internal ModelHost Host { get; }

    internal LlamaServerProcess Server { get; }

    public void Dispose()
    {
        Server.Dispose();
        Host.Dispose();
        Oracle.Dispose();
    }
}
