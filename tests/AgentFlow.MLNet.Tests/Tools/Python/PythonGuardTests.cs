namespace AgentFlow.MLNet.Tests.Tools.Python;

/// <summary>
/// The audit-hook guard on its own, as it runs where the host offers no kernel boundary (and as the second layer
/// inside bubblewrap): the careless escapes it refuses, and the cheap attacks on the guard itself from issue 15,
/// each checked on the host (no file written, the target process alive).
/// </summary>
public sealed class PythonGuardTests
{
    private const string Refusal = "blocked by the AgentFlow python sandbox: ";

    [Theory]
    [InlineData("open('{0}', 'w').write('x')")]
    [InlineData("open('../{1}', 'w').write('x')")]
    [InlineData("import os\nos.symlink('{0}', 'link')\nopen('link', 'w').write('x')")]
    [InlineData("import os\nfd = os.open('{2}', os.O_RDONLY)\nos.close(os.open('{1}', os.O_WRONLY | os.O_CREAT, dir_fd=fd))")]
    [InlineData("import shutil\nopen('a', 'w').write('x')\nshutil.copyfile('a', '{0}')")]
    // The path is checked against the working directory, the kernel resolves it against the descriptor.
    [InlineData("import os\nos.mkdir('sub')\nroot = os.open('.', os.O_RDONLY)\nos.chdir('sub')\nos.close(os.open('../{1}', os.O_WRONLY | os.O_CREAT, dir_fd=root))")]
    // Code that lies to the checks: a str subclass, a replaced os.fspath, os.path.realpath and isinstance.
    [InlineData("class Inside(str):\n    def startswith(self, *args): return True\n    def partition(self, *args): return ('', '', '')\n    def __fspath__(self): return 'inside'\nopen(Inside('{0}'), 'w').write('x')")]
    [InlineData("import os, os.path, posixpath, builtins\nos.fspath = lambda path: 'inside'\nos.path.realpath = posixpath.realpath = lambda path, **kw: os.getcwd() + '/inside'\nbuiltins.isinstance = lambda *args: True\nopen('{0}', 'w').write('x')")]
    [InlineData("import sqlite3\nsqlite3.connect('{0}').execute('create table t (x)')")]
    [InlineData("import sqlite3\nsqlite3.connect('file:{0}?mode=rwc', uri=True).execute('create table t (x)')")]
    public async Task Writing_outside_the_working_directory_is_refused(string template)
    {
        string name = $"agentflow-escape-{Guid.NewGuid():N}.txt";
        string target = Path.Combine(Path.GetTempPath(), name);

        var result = await PythonRuns.RunAsync(PythonRuns.GuardOnly, string.Format(template, target, name, Path.GetTempPath()));

        Assert.False(result.Succeeded);
        Assert.Contains(Refusal, result.Error);
        Assert.False(File.Exists(target), $"{target} was written");
    }

    [Theory]
    [InlineData("import os\nos.system('true')", "running other programs")]
    [InlineData("import subprocess\nsubprocess.run(['true'])", "running other programs")]
    [InlineData("import os\nos.fork()", "starting processes")]
    [InlineData("import _posixsubprocess\n_posixsubprocess.fork_exec()", "running other programs")]
    [InlineData("import sys\ndel sys.modules['_posixsubprocess']\nimport _posixsubprocess", "importing _posixsubprocess")]
    [InlineData("import sys\ndel sys.modules['_signal']\nimport _signal", "importing _signal")]
    [InlineData("import multiprocessing\nmultiprocessing.get_context('spawn').Process(target=print).start()", "running other programs")]
    [InlineData("import _xxsubinterpreters", "importing _xxsubinterpreters")]
    [InlineData("import socket\nsocket.socket()", "network access")]
    [InlineData("import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))", "changing resource limits")]
    [InlineData("import ctypes\nctypes.CDLL('libc.so.6')", "loading native libraries")]
    [InlineData("import ctypes\nctypes.CDLL(None).getpid()", "calling native code")]
    [InlineData("import gc\ngc.get_objects()", "inspecting the heap")]
    [InlineData("import sys\nsys.settrace(lambda *args: None)", "tracing the interpreter")]
    [InlineData("import sys\nsys._getframe(1)", "inspecting the sandbox's own frames")]
    [InlineData("(lambda: 1).__code__.replace(co_code=b'')", "building code objects by hand")]
    public async Task Escapes_through_processes_network_limits_native_code_and_introspection_are_refused(string code, string what)
    {
        var result = await PythonRuns.RunAsync(PythonRuns.GuardOnly, code);

        Assert.False(result.Succeeded);
        Assert.Contains(Refusal + what, result.Error);
    }

    [Fact]
    public async Task Another_processs_proc_entry_cannot_be_read_even_through_a_link()
    {
        string secret = $"hunter2-{Guid.NewGuid():N}";
        using var holder = new Sleeper(("AGENTFLOW_TEST_SECRET", secret));

        var direct = await PythonRuns.RunAsync(PythonRuns.GuardOnly, $"print(open('/proc/{holder.Id}/environ', 'rb').read())");
        var linked = await PythonRuns.RunAsync(PythonRuns.GuardOnly, $"import os\nos.symlink('/proc/{holder.Id}', 'p')\nprint(open('p/environ', 'rb').read())");
        var climbing = await PythonRuns.RunAsync(PythonRuns.GuardOnly, $"print(open('/proc/self/../{holder.Id}/environ', 'rb').read())");

        Assert.Contains(Refusal + "reading another process's /proc entry", direct.Error);
        Assert.Contains(Refusal + "a link pointing outside the working directory", linked.Error);
        Assert.Contains(Refusal + "reading another process's /proc entry", climbing.Error);
        Assert.DoesNotContain(secret, direct.Output + linked.Output + climbing.Output);
    }

    [Fact]
    public async Task No_signal_reaches_another_process()
    {
        using var sleeper = new Sleeper();

        var kill = await PythonRuns.RunAsync(PythonRuns.GuardOnly, $"import os\nos.kill({sleeper.Id}, 9)");
        var pidfd = await PythonRuns.RunAsync(PythonRuns.GuardOnly, $"import os, signal\nsignal.pidfd_send_signal(os.pidfd_open({sleeper.Id}), 9)");

        Assert.Contains(Refusal + "signalling processes", kill.Error);
        Assert.Contains(Refusal + "signalling processes", pidfd.Error);
        Assert.False(sleeper.HasExited, "the host's process was killed");
    }

    [Fact]
    public async Task The_guard_cannot_be_reached_through_frames_or_rebound()
    {
        // The hook's own frames end a refusal's traceback: all they hold are functions whose code and defaults
        // cannot be rebound, and no closure cells.
        var result = await PythonRuns.RunAsync(PythonRuns.GuardOnly, """
            import sys, types
            frame, names = sys._getframe(0), set()
            while frame is not None:
                names.update(frame.f_locals)
                frame = frame.f_back
            print('guard' in names, 'refused_always' in names)
            try:
                open('/outside', 'w')
            except PermissionError as error:
                trace, helpers = error.__traceback__, []
                while trace is not None:
                    helpers += [value for value in trace.tb_frame.f_locals.values() if isinstance(value, types.FunctionType)]
                    trace = trace.tb_next
                print(len(helpers) > 5, all(helper.__closure__ is None for helper in helpers))
                for attempt in (lambda: setattr(helpers[0], '__defaults__', ()), lambda: setattr(helpers[0], '__code__', (lambda: 0).__code__)):
                    try:
                        attempt()
                        print('rebound')
                    except PermissionError as refusal:
                        print(str(refusal).split(': ')[1])
            open('/outside', 'w')
            """);

        Assert.False(result.Succeeded);
        Assert.Equal("False False\nTrue True\nrebinding the sandbox's __defaults__\nrebinding the sandbox's __code__\n", result.Output);
        Assert.Contains(Refusal + "writing outside the working directory (/outside)", result.Error);
    }

    [Fact]
    public async Task What_stays_inside_the_working_directory_still_works()
    {
        var result = await PythonRuns.RunAsync(PythonRuns.GuardOnly, """
            import collections, os, pathlib, shutil, sqlite3, tempfile, typing
            pathlib.Path('data').mkdir()
            pathlib.Path('data/a.txt').write_text('alpha')
            shutil.copyfile('data/a.txt', 'data/b.txt')
            os.symlink('data/b.txt', 'link')
            os.rename('link', 'link2')
            with tempfile.TemporaryDirectory(dir='.') as scratch:
                open(os.path.join(scratch, 'x'), 'w').write('x')
            database = sqlite3.connect('table.db')
            database.execute('create table t (x)')
            database.commit()
            Point = collections.namedtuple('Point', 'x y')
            class Pair(typing.NamedTuple):
                left: int
                right: int
            print(open('link2').read(), sorted(os.listdir('data')), Point(1, 2).y, Pair(3, 4).right)
            shutil.rmtree('data')
            print(sorted(os.listdir('.')))
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("alpha ['a.txt', 'b.txt'] 2 4\n['link2', 'main.py', 'table.db']\n", result.Output);
    }

    [Fact]
    public async Task An_infinite_loop_killed_at_the_timeout_leaves_no_process()
    {
        var options = PythonRuns.GuardOnly with { Timeout = TimeSpan.FromSeconds(1.5) };

        var result = await PythonRuns.RunAsync(options, "import os\nprint(os.getpid(), flush=True)\nwhile True:\n    pass");

        Assert.StartsWith("timed out after 1.5 s; the process was killed", result.Error);
        int pid = int.Parse(result.Output.Trim());
        Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} is still alive");
    }
}
