using System.Diagnostics;
using System.Text.Json;
using AgentFlow.MLNet.Tools;
using AgentFlow.MLNet.Tools.Python;

namespace AgentFlow.MLNet.Tests.Tools;

/// <summary>
/// The python tool runs real python3 processes (present on developer machines and in CI). Each test proves
/// one containment or behaviour promise with small limits, so the whole class takes a few seconds.
/// </summary>
public class PythonToolTests
{
    // The timeout is generous so that a machine busy with other tests cannot fail a run that should succeed;
    // the timeout test uses its own short one.
    private static readonly PythonTool Tool = new(new PythonToolOptions
    {
        Timeout = TimeSpan.FromSeconds(20),
        MemoryLimitBytes = 256L << 20,
        MaxOutputBytes = 4096,
    });

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
        var tool = new PythonTool(new PythonToolOptions { Timeout = TimeSpan.FromSeconds(1.5) });
        var clock = Stopwatch.StartNew();

        var result = await tool.InvokeAsync(JsonSerializer.SerializeToElement(new { code = "import os\nprint(os.getpid(), flush=True)\nwhile True:\n    pass" }));

        Assert.False(result.Succeeded);
        Assert.StartsWith("timed out after 1.5 s; the process was killed", result.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        int pid = int.Parse(result.Output.Trim());
        Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} is still alive");
    }

    [Theory]
    [InlineData("x = bytearray(2 * 1024 ** 3)")]
    [InlineData("chunks = []\nwhile True:\n    chunks.append(bytearray(10 ** 7))")]
    public async Task A_memory_bomb_fails_with_MemoryError_at_the_memory_limit(string code)
    {
        // A small limit keeps the gradual bomb quick; the generous timeout shows the memory limit, not the clock, stopped it.
        var tool = new PythonTool(new PythonToolOptions { MemoryLimitBytes = 64L << 20, Timeout = TimeSpan.FromSeconds(20) });

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

    [Theory]
    [InlineData("open('{0}', 'w').write('x')")]
    [InlineData("open('../{1}', 'w').write('x')")]
    [InlineData("import os\nos.symlink('{0}', 'link')\nopen('link', 'w').write('x')")]
    [InlineData("import os\nfd = os.open('{2}', os.O_RDONLY)\nos.close(os.open('{1}', os.O_WRONLY | os.O_CREAT, dir_fd=fd))")]
    [InlineData("import shutil\nopen('a', 'w').write('x')\nshutil.copyfile('a', '{0}')")]
    public async Task Writing_outside_the_working_directory_is_refused(string template)
    {
        string name = $"agentflow-escape-{Guid.NewGuid():N}.txt";
        string target = Path.Combine(Path.GetTempPath(), name);

        var result = await RunAsync(string.Format(template, target, name, Path.GetTempPath()));

        Assert.False(result.Succeeded);
        Assert.Contains("blocked by the AgentFlow python sandbox", result.Error);
        Assert.False(File.Exists(target), $"{target} was written");
    }

    [Theory]
    [InlineData("import os\nos.system('true')", "running other programs")]
    [InlineData("import subprocess\nsubprocess.run(['true'])", "running other programs")]
    [InlineData("import os\nos.fork()", "starting processes")]
    [InlineData("import socket\nsocket.socket()", "network access")]
    [InlineData("import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))", "changing resource limits")]
    [InlineData("import ctypes\nctypes.CDLL('libc.so.6')", "loading native libraries")]
    [InlineData("import gc\ngc.get_objects()", "inspecting the heap")]
    public async Task Escapes_through_processes_network_limits_and_native_code_are_refused(string code, string what)
    {
        var result = await RunAsync(code);

        Assert.False(result.Succeeded);
        Assert.Contains($"blocked by the AgentFlow python sandbox: {what}", result.Error);
    }

    [Fact]
    public async Task Secrets_in_the_hosts_environment_are_not_visible()
    {
        Environment.SetEnvironmentVariable("AGENTFLOW_TEST_SECRET", "hunter2-do-not-leak");

        var environment = await RunAsync("import os\nprint(sorted(os.environ))\nprint('hunter2' in repr(os.environ))");
        var parent = await RunAsync("import os\nprint(open(f'/proc/{os.getppid()}/environ', 'rb').read())");

        Assert.Equal("['HOME', 'LANG', 'PATH', 'TMPDIR']\nFalse\n", environment.Output);
        Assert.False(parent.Succeeded);
        Assert.Contains("reading another process's /proc entry", parent.Error);
        Assert.DoesNotContain("hunter2", parent.Output + parent.Error);
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
        Assert.Throws<ArgumentException>(() => new PythonTool(new PythonToolOptions { Interpreter = " " }));
    }
}
