using System.Text.Json;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Python;
using Microsoft.Extensions.Logging;

namespace AgentFlow.MLNet.Tests.Tools.Python;

/// <summary>
/// The python tool runs real python3 processes (present on developer machines and in CI), in whichever sandbox
/// this host gives it (bubblewrap where it can, the guard alone elsewhere): these are the promises that hold in
/// both. <see cref="PythonSandboxTests"/> and <see cref="PythonGuardTests"/> test the two boundaries.
/// </summary>
public class PythonToolTests
{
    private static readonly PythonTool Tool = new(PythonRuns.Small);

    private static ValueTask<ToolResult> RunAsync(string code) => Tool.InvokeAsync(JsonSerializer.SerializeToElement(new { code }));

    [Fact]
    public async Task Prints_are_the_output()
    {
        var result = await RunAsync("from math import comb\nprint('ways:', comb(10, 3))\nprint('ünïcode ✓')");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("ways: 120\nünïcode ✓\n", result.Output);
    }

    [Fact]
    public async Task The_demos_on_its_card_are_true()
    {
        foreach (var demo in Tool.Card.Demos)
        {
            var result = await Tool.InvokeAsync(JsonDocument.Parse(demo.Arguments).RootElement);
            Assert.Equal(demo.Returns + "\n", result.Output);
        }
    }

    [Fact]
    public async Task A_final_bare_expression_is_shown_like_a_notebook_cell()
    {
        var result = await RunAsync("x = 6\nx * 7");

        Assert.Equal("42\n", result.Output);
    }

    [Fact]
    public async Task A_markdown_fence_around_the_code_is_removed()
    {
        var result = await RunAsync("Here is the code:\n```python\nprint(2 ** 100)\n```\nIt prints a power of two.");

        Assert.Equal("1267650600228229401496703205376\n", result.Output);
    }

    [Fact]
    public async Task An_exception_is_a_failure_carrying_the_scripts_traceback_only()
    {
        var result = await RunAsync("print('before')\ndef f():\n    return 1 / 0\nf()");

        Assert.False(result.Succeeded);
        Assert.Equal("before\n", result.Output);
        Assert.Contains("File \"main.py\", line 3, in f", result.Error);
        Assert.EndsWith("ZeroDivisionError: division by zero\n", result.Error);
        Assert.DoesNotContain("<string>", result.Error);
    }

    [Fact]
    public async Task A_syntax_error_is_a_failure_that_points_at_the_line()
    {
        var result = await RunAsync("print(1\n");

        Assert.False(result.Succeeded);
        Assert.Contains("SyntaxError", result.Error);
        Assert.Contains("main.py", result.Error);
    }

    [Fact]
    public async Task An_infinite_loop_is_killed_at_the_timeout()
    {
        var tool = new PythonTool(PythonRuns.Small with { Timeout = TimeSpan.FromSeconds(1.5) });

        var result = await tool.InvokeAsync(JsonSerializer.SerializeToElement(new { code = "print('started', flush=True)\nwhile True:\n    pass" }));

        Assert.False(result.Succeeded);
        Assert.StartsWith("timed out after 1.5 s; the process was killed", result.Error);
        Assert.Equal("started\n", result.Output);
    }

    [Theory]
    [InlineData("x = bytearray(2 * 1024 ** 3)")]
    [InlineData("chunks = []\nwhile True:\n    chunks.append(bytearray(10 ** 7))")]
    public async Task A_memory_bomb_fails_with_MemoryError_at_the_memory_limit(string code)
    {
        // A small limit keeps the gradual bomb quick; the generous timeout shows the memory limit, not the clock, stopped it.
        var tool = new PythonTool(PythonRuns.Small with { MemoryLimitBytes = 64L << 20 });

        var result = await tool.InvokeAsync(JsonSerializer.SerializeToElement(new { code }));

        Assert.False(result.Succeeded);
        Assert.Contains("MemoryError", result.Error);
    }

    [Fact]
    public async Task Files_can_be_written_in_a_private_working_directory_that_is_deleted_afterwards()
    {
        var result = await RunAsync("import os\nopen('notes.txt', 'w').write('kept')\nos.mkdir('sub')\nprint(open('notes.txt').read())\nprint(os.getcwd())\nprint(os.environ['HOME'] == os.getcwd())");

        Assert.True(result.Succeeded, result.Error);
        string[] lines = result.Output.Split('\n');
        Assert.Equal("kept", lines[0]);
        Assert.Equal("True", lines[2]);
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "agentflow-python-"), lines[1]);
        Assert.False(Directory.Exists(lines[1]), "the working directory was not deleted");
    }

    [Fact]
    public async Task The_environment_holds_only_what_the_tool_sets()
    {
        Environment.SetEnvironmentVariable("AGENTFLOW_TEST_SECRET", "hunter2-do-not-leak");

        var result = await RunAsync("import os\nprint(sorted(os.environ))\nprint('hunter2' in repr(os.environ))");

        Assert.Equal("['HOME', 'LANG', 'PATH', 'TMPDIR']\nFalse\n", result.Output);
    }

    [Fact]
    public async Task Stdin_is_closed()
    {
        var result = await RunAsync("input('name? ')");

        Assert.False(result.Succeeded);
        Assert.Contains("EOFError", result.Error);
    }

    [Fact]
    public async Task Output_is_capped_keeping_its_beginning_and_end()
    {
        var result = await RunAsync("print('first')\nfor i in range(20000):\n    print(i)\nprint('last')");

        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.Truncated);
        Assert.True(result.Output.Length < 4200, $"{result.Output.Length} characters");
        Assert.StartsWith("first\n0\n1\n", result.Output);
        Assert.EndsWith("19999\nlast\n", result.Output);
        Assert.Contains("bytes of output dropped", result.Output);
    }

    [Fact]
    public async Task Without_an_interpreter_every_call_fails_saying_the_tool_is_disabled()
    {
        var missing = new PythonTool(new PythonToolOptions { Interpreter = "/nonexistent/python3" });

        var result = await missing.InvokeAsync(JsonSerializer.SerializeToElement(new { code = "print(1)" }));

        Assert.False(await missing.IsAvailableAsync());
        Assert.False(result.Succeeded);
        Assert.Equal("the python tool is disabled: '/nonexistent/python3' was not found on PATH", result.Error);
    }

    [Fact]
    public async Task Without_a_kernel_boundary_the_tool_is_off_unless_guard_only_mode_is_allowed()
    {
        var strict = new PythonTool(new PythonToolOptions { Bubblewrap = "/nonexistent/bwrap" });
        var lenient = new PythonTool(PythonRuns.Small with { Bubblewrap = "/nonexistent/bwrap" });

        var refused = await strict.InvokeAsync(JsonSerializer.SerializeToElement(new { code = "print(1)" }));
        var guarded = await lenient.InvokeAsync(JsonSerializer.SerializeToElement(new { code = "print(1)" }));

        Assert.Equal(PythonSandboxMode.Disabled, (await strict.GetSandboxAsync()).Mode);
        Assert.False(refused.Succeeded);
        Assert.StartsWith("the python tool is disabled: no kernel boundary (", refused.Error);
        Assert.Contains(nameof(PythonToolOptions.AllowGuardOnly), refused.Error);
        var sandbox = await lenient.GetSandboxAsync();
        Assert.Equal(PythonSandboxMode.GuardOnly, sandbox.Mode);
        Assert.Contains("NOT a security boundary", sandbox.Summary);
        Assert.True(guarded.Succeeded, guarded.Error);
        Assert.Equal("1\n", guarded.Output);
    }

    [Fact]
    public async Task The_first_use_of_a_tool_logs_one_line_saying_which_sandbox_it_runs_in()
    {
        var log = new CollectingLogger();
        var tool = new PythonTool(PythonRuns.Small with { Bubblewrap = "/nonexistent/bwrap", Logger = log });

        await tool.InvokeAsync(JsonSerializer.SerializeToElement(new { code = "print(1)" }));
        await tool.InvokeAsync(JsonSerializer.SerializeToElement(new { code = "print(2)" }));

        var entry = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal((await tool.GetSandboxAsync()).Summary, entry.Message);
        Assert.Contains("guard-only mode", entry.Message);
    }

    [Fact]
    public async Task The_interpreter_on_this_machine_is_found()
    {
        Assert.True(await Tool.IsAvailableAsync(), "python3 is expected on developer machines and in CI");
    }

    [Fact]
    public void Options_outside_their_ranges_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PythonTool(new PythonToolOptions { Timeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PythonTool(new PythonToolOptions { MemoryLimitBytes = 1 << 20 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PythonTool(new PythonToolOptions { MaxOutputBytes = 10 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PythonTool(new PythonToolOptions { MaxWorkingFolderBytes = 1000 }));
        Assert.Throws<ArgumentException>(() => new PythonTool(new PythonToolOptions { Interpreter = " " }));
        Assert.Throws<ArgumentException>(() => new PythonTool(new PythonToolOptions { Bubblewrap = "" }));
    }

    /// <summary>An <see cref="ILogger"/> that keeps what it is given.</summary>
    private sealed class CollectingLogger : ILogger
    {
        internal List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
