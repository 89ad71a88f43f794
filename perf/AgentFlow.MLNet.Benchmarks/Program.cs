using AgentFlow.MLNet.Benchmarks;
using BenchmarkDotNet.Running;

// Run one suite:   dotnet run -c Release --project perf/AgentFlow.MLNet.Benchmarks -- --filter '*MatMul*'
// List them all:   dotnet run -c Release --project perf/AgentFlow.MLNet.Benchmarks -- --list flat
// Write the seeded benchmark models for perf/pytorch/eager.py:   ... -- export-models DIR
// Write the decode suite's models as GGUF for perf/llamacpp/compare.sh:   ... -- export-gguf DIR
if (args is ["export-models", var folder])
    BenchmarkModelExport.Write(folder);
else if (args is ["export-gguf", var ggufFolder])
    BenchmarkModelExport.WriteGguf(ggufFolder);
else
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
