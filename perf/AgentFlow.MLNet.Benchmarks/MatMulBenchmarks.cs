using AgentFlow.MLNet.Native;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace AgentFlow.MLNet.Benchmarks;

/// <summary>
/// The machine's practical fp32 peak through TorchSharp: square matmuls (2·N³ FLOPs each). Every other
/// suite's throughput is read against this number.
/// </summary>
[MemoryDiagnoser]
public class MatMulBenchmarks
{
    private Tensor _a = null!;
    private Tensor _b = null!;

    /// <summary>Matrix side; 1024 is large enough to reach the BLAS peak, 256 shows small-matrix overhead.</summary>
    [Params(256, 1024)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpNativeFixup.EnsureTorchLoaded();
        var generator = new Generator(seed: 1);
        _a = randn([N, N], generator: generator);
        _b = randn([N, N], generator: generator);
    }

    [Benchmark]
    public float MatMul()
    {
        using var scope = NewDisposeScope();
        return _a.matmul(_b)[0, 0].item<float>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
