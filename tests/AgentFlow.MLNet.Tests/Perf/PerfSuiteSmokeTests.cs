using System.Reflection;
using AgentFlow.MLNet.Tests.Smoke;
using AgentFlow.MLNet.Tests.Tools.Python;
using AgentFlow.MLNet.Benchmarks;
using BenchmarkDotNet.Attributes;

namespace AgentFlow.MLNet.Tests.Perf;

/// <summary>
/// Every BenchmarkDotNet suite in <c>perf/</c>, run once in process at the first value of each parameter (the
/// smallest model and batch), so a suite that no longer runs fails CI instead of failing the next person who measures.
/// Nothing is timed: BenchmarkDotNet measures, this only proves each setup, benchmark and cleanup still completes.
/// </summary>
[Collection(TorchCollection.Name)]
[Trait("Category", "Long")]
public sealed class PerfSuiteSmokeTests
{
    private const string PythonSuite = "PythonSandboxBenchmarks";

    public static TheoryData<string> Suites()
    {
        var suites = new TheoryData<string>();
        foreach (var type in SuiteTypes().Where(t => t.Name != PythonSuite))
            suites.Add(type.Name);
        return suites;
    }

    [Fact]
    public void The_perf_project_has_suites_to_run()
    {
        Assert.Contains(PythonSuite, SuiteTypes().Select(t => t.Name));
        Assert.True(SuiteTypes().Count() >= 8, string.Join(", ", SuiteTypes().Select(t => t.Name)));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public async Task Each_suite_runs_once_at_its_smallest_size(string suite) =>
        await RunOnceAsync(SuiteTypes().Single(t => t.Name == suite));

    /// <summary>The python tool's suite needs bubblewrap for its first case, so it runs where the sandbox tests run.</summary>
    [BubblewrapFact]
    public async Task The_python_sandbox_suite_runs_once() =>
        await RunOnceAsync(SuiteTypes().Single(t => t.Name == PythonSuite));

    private static IEnumerable<Type> SuiteTypes() =>
        typeof(MatMulBenchmarks).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkAttribute))))
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>BenchmarkDotNet's order for one case: global setup, then per benchmark its iteration setup, the call and its iteration cleanup, then global cleanup.</summary>
    private static async Task RunOnceAsync(Type suite)
    {
        object instance = Activator.CreateInstance(suite)!;
        foreach (var property in suite.GetProperties().Where(p => p.IsDefined(typeof(ParamsAttribute))))
            property.SetValue(instance, property.GetCustomAttribute<ParamsAttribute>()!.Values[0]);
        var methods = suite.GetMethods();
        foreach (var setup in methods.Where(m => m.IsDefined(typeof(GlobalSetupAttribute))))
            await InvokeAsync(instance, setup);
        try
        {
            foreach (var benchmark in methods.Where(m => m.IsDefined(typeof(BenchmarkAttribute))))
            {
                foreach (var setup in methods.Where(m => Targets<IterationSetupAttribute>(m, benchmark)))
                    await InvokeAsync(instance, setup);
                await InvokeAsync(instance, benchmark);
                foreach (var cleanup in methods.Where(m => Targets<IterationCleanupAttribute>(m, benchmark)))
                    await InvokeAsync(instance, cleanup);
            }
        }
        finally
        {
            foreach (var cleanup in methods.Where(m => m.IsDefined(typeof(GlobalCleanupAttribute))))
                await InvokeAsync(instance, cleanup);
        }
    }

    private static bool Targets<TAttribute>(MethodInfo method, MethodInfo benchmark) where TAttribute : TargetedAttribute =>
        method.GetCustomAttribute<TAttribute>() is { } attribute && (attribute.Targets is not { Length: > 0 } targets || targets.Contains(benchmark.Name));

    private static async Task InvokeAsync(object instance, MethodInfo method)
    {
        try
        {
            object? result = method.Invoke(instance, null);
            if (result is Task task)
                await task;
            else if (result is ValueTask valueTask)
                await valueTask;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"{instance.GetType().Name}.{method.Name} failed: {e.InnerException.Message}", e.InnerException);
        }
    }
}
