using BenchmarkDotNet.Running;

// Run one suite:   dotnet run -c Release --project perf/AgentFlow.MLNet.Benchmarks -- --filter '*MatMul*'
// List them all:   dotnet run -c Release --project perf/AgentFlow.MLNet.Benchmarks -- --list flat
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
