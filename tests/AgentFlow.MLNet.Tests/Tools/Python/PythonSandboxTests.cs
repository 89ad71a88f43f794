using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using AgentFlow.MLNet.Tools.Python;

namespace AgentFlow.MLNet.Tests.Tools.Python;

/// <summary>
/// The kernel boundary on its own: each escape that got past the audit-hook guard (issue 15) is run with the
/// guard switched off, inside bubblewrap, and the test checks on the host that nothing got out: no file outside
/// the folder, no secret, no connection, no signal, no surviving process, no disk beyond the cap. Skipped, with
/// the reason, on hosts without bubblewrap and user namespaces.
/// </summary>
public sealed class PythonSandboxTests : IDisposable
{
    private readonly TempFolder _host = new();

    public void Dispose() => _host.Dispose();

    [BubblewrapFact]
    public async Task This_host_runs_scripts_inside_bubblewrap_with_the_seccomp_filter()
    {
        var sandbox = await new PythonTool(PythonRuns.Small).GetSandboxAsync();

        Assert.Equal(PythonSandboxMode.Bubblewrap, sandbox.Mode);
        Assert.True(sandbox.SyscallFilter, "x86-64 and arm64 hosts get the filter");
        Assert.Equal("", sandbox.Reason);
        Assert.StartsWith($"python tool: scripts run inside bubblewrap {sandbox.BubblewrapVersion}", sandbox.ToString());
    }

    [BubblewrapFact]
    public async Task The_script_runs_as_an_unprivileged_uid_as_pid_1_of_its_own_namespace()
    {
        var result = await PythonRuns.RunAsync(PythonRuns.KernelOnly, """
            import os, resource, socket
            status = dict(line.split(':\t', 1) for line in open('/proc/self/status').read().splitlines())
            print(os.getuid(), os.getgid(), os.getpid(), os.getsid(0) == os.getpid())
            print(status['CapEff'].strip(), status['CapBnd'].strip(), status['NoNewPrivs'].strip())
            print(socket.gethostname())
            try:
                resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
                print('memory limit raised')
            except ValueError as error:
                print(error)
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("1000 1000 1 True\n0000000000000000 0000000000000000 1\nagentflow\nnot allowed to raise maximum limit\n", result.Output);
    }

    [BubblewrapTheory]
    [InlineData("open('{0}', 'w').write('x')")]
    [InlineData("open('../{1}', 'w').write('x')")]
    [InlineData("import os\nos.symlink('{0}', 'link')\nopen('link', 'w').write('x')")]
    [InlineData("import os\nos.mkdir('sub')\nroot = os.open('.', os.O_RDONLY)\nos.chdir('sub')\nos.close(os.open('../{1}', os.O_WRONLY | os.O_CREAT, dir_fd=root))")]
    [InlineData("import os\nfd = os.open('{2}', os.O_RDONLY)\nos.close(os.open('{1}', os.O_WRONLY | os.O_CREAT, dir_fd=fd))")]
    [InlineData("import sqlite3\nsqlite3.connect('{0}').execute('create table t (x)')")]
    [InlineData("import sqlite3\ndb = sqlite3.connect(':memory:')\ndb.execute(\"attach database '{0}' as outside\")\ndb.execute('create table outside.t (x)')")]
    [InlineData("import shutil\nopen('a', 'w').write('x')\nshutil.copyfile('a', '{0}')")]
    public async Task No_write_reaches_a_file_outside_the_working_folder(string template)
    {
        string name = $"agentflow-escape-{Guid.NewGuid():N}.txt";
        string target = Path.Combine(Path.GetTempPath(), name);

        var result = await PythonRuns.RunAsync(PythonRuns.KernelOnly, string.Format(template, target, name, Path.GetTempPath()));

        Assert.False(result.Succeeded);
        Assert.Matches("(Read-only file system|No such file or directory|unable to open database)", result.Error);
        Assert.False(File.Exists(target), $"{target} was written");
    }

    [BubblewrapFact]
    public async Task The_hosts_files_are_not_there_except_the_interpreters()
    {
        string planted = _host.File("id_ed25519");
        File.WriteAllText(planted, "secret key");
        // Everything in the host's home but the folder on the way to the interpreter (a pyenv install, say).
        string interpreter = (await new PythonTool(PythonRuns.Small).GetSandboxAsync()).Interpreter;
        var home = Directory.EnumerateFileSystemEntries(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile))
            .Where(entry => !interpreter.StartsWith(entry + "/", StringComparison.Ordinal));
        string[] hostPaths = [planted, typeof(PythonSandboxTests).Assembly.Location, "/etc/passwd", "/etc/hostname", .. home];
        Assert.All(hostPaths, path => Assert.True(Path.Exists(path), $"{path} should exist on the host for this test"));

        var result = await PythonRuns.RunAsync(PythonRuns.KernelOnly, $$"""
            import os, sys
            for path in {{PythonList(hostPaths)}}:
                print(os.path.exists(path))
            print(sorted(os.listdir('/etc')))
            print(os.path.exists(sys.executable), os.access(sys.prefix, os.W_OK))
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(string.Concat(Enumerable.Repeat("False\n", hostPaths.Length)) + "['ld.so.cache']\nTrue False\n", result.Output);
    }

    [BubblewrapFact]
    public async Task No_secret_of_the_hosts_environment_or_its_proc_leaks()
    {
        string secret = $"hunter2-{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable("AGENTFLOW_TEST_SECRET", secret);
        // .NET keeps the variable above to itself; a real process with the secret in its environment is what a
        // script reading /proc/<pid>/environ would go for.
        using var holder = new Sleeper(("AGENTFLOW_TEST_SECRET", secret));
        Assert.Contains(secret, File.ReadAllText($"/proc/{holder.Id}/environ"));

        var result = await PythonRuns.RunAsync(PythonRuns.KernelOnly, $$"""
            import os
            found = []
            for pid in os.listdir('/proc'):
                for name in ('environ', 'cmdline'):
                    try:
                        with open(f'/proc/{pid}/{name}', 'rb') as entry:
                            if b'hunter2' in entry.read():
                                found.append(pid)
                    except OSError:
                        pass
            print(found, 'hunter2' in repr(os.environ))
            print([entry for entry in os.listdir('/proc') if entry.isdigit()])
            try:
                open('/proc/{{holder.Id}}/environ', 'rb').read()
            except OSError as error:
                print(type(error).__name__)
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("[] False\n['1']\nFileNotFoundError\n", result.Output);
        Assert.DoesNotContain(secret, result.Output + result.Error);
    }

    [BubblewrapTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task No_connection_reaches_a_listener_on_the_hosts_loopback(bool withSyscallFilter)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var result = await PythonRuns.RunAsync(withSyscallFilter ? PythonRuns.KernelOnly : PythonRuns.NamespacesOnly, $$"""
            import socket
            for family, address in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
                try:
                    with socket.socket(family, socket.SOCK_STREAM) as connection:
                        connection.settimeout(5)
                        connection.connect((address, {{port}}))
                    print('connected')
                except OSError as error:
                    print(type(error).__name__)
            """);

        Assert.True(result.Succeeded, result.Error);
        // The filter refuses the socket itself; the empty network namespace alone has nothing listening (or no IPv6).
        if (withSyscallFilter)
            Assert.Equal("PermissionError\nPermissionError\n", result.Output);
        Assert.Equal(2, result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => line.EndsWith("Error", StringComparison.Ordinal)));
        Assert.False(listener.Pending(), "a connection reached the host's listener");
    }

    [BubblewrapTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task No_signal_reaches_a_process_of_the_host(bool withSyscallFilter)
    {
        using var sleeper = new Sleeper();

        var result = await PythonRuns.RunAsync(withSyscallFilter ? PythonRuns.KernelOnly : PythonRuns.NamespacesOnly, $$"""
            import os, signal
            attempts = [
                lambda: os.kill({{sleeper.Id}}, signal.SIGKILL),
                lambda: signal.pidfd_send_signal(os.pidfd_open({{sleeper.Id}}), signal.SIGKILL),
                lambda: os.killpg({{sleeper.Id}}, signal.SIGKILL),
                lambda: os.kill(-1, signal.SIGKILL),
            ]
            for attempt in attempts:
                try:
                    attempt()
                    print('sent')
                except OSError as error:
                    print(type(error).__name__)
            """);

        Assert.True(result.Succeeded, result.Error);
        // Without the filter the host's pids do not exist in the namespace, and kill(-1) finds no process it may signal.
        Assert.Equal(string.Concat(Enumerable.Repeat(withSyscallFilter ? "PermissionError\n" : "ProcessLookupError\n", 4)), result.Output);
        Assert.False(sleeper.HasExited, "the host's process was killed");
    }

    [BubblewrapFact]
    public async Task The_filter_allows_one_process_with_threads_and_refuses_the_kernels_risky_interfaces()
    {
        var result = await PythonRuns.RunAsync(PythonRuns.KernelOnly, """
            import ctypes, errno, multiprocessing, os, socket, subprocess, threading
            libc = ctypes.CDLL(None, use_errno=True)
            def call(name, *args):
                return errno.errorcode[ctypes.get_errno()] if getattr(libc, name)(*args) == -1 else 'allowed'
            print('fork', call('fork'))
            print('unshare', call('unshare', 0x10000000))
            print('ptrace', call('ptrace', 0, 0, None, None))
            print('io_uring_setup', call('syscall', 425, 1, None))
            print('bpf', call('syscall', 321, 0, None, 0))
            for start in (lambda: subprocess.run(['true']), lambda: multiprocessing.get_context('spawn').Process(target=print).start()):
                try:
                    start()
                    print('started')
                except OSError as error:
                    print(type(error).__name__)
            worker = threading.Thread(target=print, args=('thread',))
            worker.start()
            worker.join()
            left, right = socket.socketpair()
            left.send(b'unix socket')
            print(right.recv(32).decode())
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("fork EPERM\nunshare EPERM\nptrace EPERM\nio_uring_setup EPERM\nbpf EPERM\nPermissionError\nPermissionError\nthread\nunix socket\n", result.Output);
    }

    [BubblewrapFact]
    public async Task A_system_call_of_another_abi_kills_the_script_on_x64()
    {
        // x32 system calls carry bit 30 and would otherwise dodge a filter written for x86-64 numbers; elsewhere
        // the same number is merely unknown to the kernel.
        var result = await PythonRuns.RunAsync(PythonRuns.KernelOnly, "import ctypes\nprint(ctypes.CDLL(None).syscall(0x40000000 | 39))");

        if (RuntimeInformation.OSArchitecture == Architecture.X64)
        {
            Assert.False(result.Succeeded);
            Assert.Equal("exit code 159 (ended by signal 31, or the script's own exit code)", result.Error);
        }
        else
        {
            Assert.Equal("-1\n", result.Output);
        }
    }

    [BubblewrapFact]
    public async Task No_process_outlives_a_run_that_exits()
    {
        string marker = $"agentflow-survivor-{Guid.NewGuid():N}";

        var result = await PythonRuns.RunAsync(PythonRuns.NamespacesOnly, ForkSleepers(marker, then: "print('exiting')"));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("51 sleepers\nexiting\n", result.Output);
        Assert.Empty(PythonRuns.ProcessesWithMarker(marker));
    }

    [BubblewrapFact]
    public async Task No_process_outlives_a_run_killed_at_its_timeout()
    {
        string marker = $"agentflow-survivor-{Guid.NewGuid():N}";
        var options = PythonRuns.NamespacesOnly with { Timeout = TimeSpan.FromSeconds(3) };

        var result = await PythonRuns.RunAsync(options, ForkSleepers(marker, then: "while True:\n    pass"));

        Assert.False(result.Succeeded);
        Assert.StartsWith("timed out after 3 s", result.Error);
        Assert.Equal("51 sleepers\n", result.Output);
        Assert.Empty(PythonRuns.ProcessesWithMarker(marker));
    }

    [BubblewrapFact]
    public async Task Files_under_the_per_file_limit_cannot_fill_the_disk_beyond_the_folder_cap()
    {
        var options = PythonRuns.KernelOnly with { MaxWorkingFolderBytes = 4L << 20, MaxFileBytes = 1L << 20 };

        var result = await PythonRuns.RunAsync(options, """
            import os
            written = 0
            try:
                for index in range(100):
                    with open(f'part{index}', 'wb') as part:
                        for _ in range(16):
                            written += part.write(b'x' * 65536)
            except OSError as error:
                print(os.strerror(error.errno))
            print(written <= 4 << 20, written >= 3 << 20)
            """);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("No space left on device\nTrue True\n", result.Output);
    }

    /// <summary>A script that starts 50 children and one double-forked daemon, each exec'ing sleep under <paramref name="marker"/>, waits until all are running, then runs <paramref name="then"/>.</summary>
    private static string ForkSleepers(string marker, string then) => $$"""
        import os, shutil, time
        sleep = shutil.which('sleep')
        def sleeper():
            os.execv(sleep, ['{{marker}}', '600'])
        for _ in range(50):
            if os.fork() == 0:
                sleeper()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                sleeper()
            os._exit(0)
        def running():
            count = 0
            for pid in os.listdir('/proc'):
                try:
                    with open(f'/proc/{pid}/cmdline', 'rb') as cmdline:
                        count += cmdline.read().startswith(b'{{marker}}')
                except OSError:
                    pass
            return count
        while running() < 51:
            time.sleep(0.01)
        print(running(), 'sleepers', flush=True)
        {{then}}
        """;

    private static string PythonList(IEnumerable<string> paths) => "[" + string.Join(", ", paths.Select(path => $"'{path}'")) + "]";
}
