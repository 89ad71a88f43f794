using AgentFlow.MLNet.Benchmarks;
using BenchmarkDotNet.Running;

// Run one suite:   dotnet run -c Release --project perf/AgentFlow.MLNet.Benchmarks -- --filter '*MatMul*'
// List them all:   dotnet run -c Release --project perf/AgentFlow.MLNet.Benchmarks -- --list flat
// Write the seeded benchmark models for perf/pytorch/eager.py:   ... -- export-models DIR
if (args is ["export-models", var folder])
    BenchmarkModelExport.Write(folder);
else
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
