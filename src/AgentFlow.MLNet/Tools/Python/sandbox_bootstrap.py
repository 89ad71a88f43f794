# Runs one model-written script for AgentFlow's python tool. The host starts it as
#   python3 -I -B -X utf8 -c <this file> <script> <memory bytes> <cpu seconds> <file bytes> <guard|noguard>
# in a private working directory holding <script>, with a cleared environment and no stdin; on Linux normally
# inside bubblewrap (see Bubblewrap.cs), which is the security boundary.
#
# Limits (setrlimit, kernel-enforced): address space, CPU seconds, size of any file written, no core dumps.
# Guard (an audit hook, sys.addaudithook), the second layer: refuses writes outside the working directory, other
# processes and programs, sockets, signals, foreign native code, raising limits again, reading other processes'
# /proc entries, tracing the interpreter and rebinding its own functions. It is built so that code cannot reach
# its state (see _guard), but an audit hook stops careless code, not code that sets out to escape it: without
# the bubblewrap boundary, hostile code can still get out (for example through memory-corrupting bytecode).
#
# The last statement, when it is an expression, is printed like a notebook cell's value, because models
# often end with the value they want to see instead of printing it.

import sys


def _guard(root, bootstrap_code):
    """The audit hook for a run in `root`. Everything it uses is bound as a default argument when it is built:
    it reads no global or builtin name, holds no closure cell that code could rebind, keeps its tables in
    immutable containers, and never calls a method of an object the script made (a str subclass is copied by
    str's own method first). Rebinding the code or defaults of its functions is refused, and so is taking the
    frames of the bootstrap (`bootstrap_code`) with sys._getframe."""
    import posix
    from types import CodeType, FunctionType, MappingProxyType

    # The code objects of the functions defined below, which are constants of this function's own code.
    own_code = frozenset(constant for constant in sys._getframe(0).f_code.co_consts if type(constant) is CodeType)

    write_flags = posix.O_WRONLY | posix.O_RDWR | posix.O_APPEND | posix.O_CREAT | posix.O_TRUNC
    refused_always = MappingProxyType({
        "os.system": "running other programs",
        "os.exec": "running other programs",
        "os.posix_spawn": "running other programs",
        "os.spawn": "running other programs",
        "subprocess.Popen": "running other programs",
        "pty.spawn": "running other programs",
        "os.fork": "starting processes",
        "os.forkpty": "starting processes",
        "os.kill": "signalling processes",
        "os.killpg": "signalling processes",
        "signal.pthread_kill": "signalling processes",
        "socket.__new__": "network access",
        "resource.setrlimit": "changing resource limits",
        "resource.prlimit": "changing resource limits",
        "os.chmod": "changing file permissions",
        "os.chown": "changing file ownership",
        "gc.get_objects": "inspecting the heap",
        "gc.get_referrers": "inspecting the heap",
        "gc.get_referents": "inspecting the heap",
        "sys.settrace": "tracing the interpreter",
        "sys.setprofile": "tracing the interpreter",
        "sys._settraceallthreads": "tracing the interpreter",
        "sys._setprofileallthreads": "tracing the interpreter",
        "sys.monitoring.register_callback": "tracing the interpreter",
        "sys._current_frames": "inspecting other threads' frames",
        "sys._current_exceptions": "inspecting other threads' frames",
        "code.__new__": "building code objects by hand",
        "ctypes.dlsym": "calling native code",
        "ctypes.dlsym/handle": "calling native code",
        "ctypes.call_function": "calling native code",
        "ctypes.cdata": "reading raw memory",
        "ctypes.cdata/buffer": "reading raw memory",
        "ctypes.string_at": "reading raw memory",
        "ctypes.wstring_at": "reading raw memory",
        "ctypes.PyObj_FromPtr": "reading raw memory",
        "sqlite3.enable_load_extension": "loading native libraries",
        "sqlite3.load_extension": "loading native libraries",
    })
    # Modules that run code outside this interpreter's hooks (subinterpreters), that exist to poke at its
    # internals, or whose calls _disarm_unhooked_calls replaced (already imported, so only a re-import asks).
    refused_imports = frozenset({
        "_xxsubinterpreters", "_interpreters", "_xxinterpchannels", "_interpchannels", "_interpqueues",
        "_testcapi", "_testinternalcapi", "_testlimitedcapi", "_posixsubprocess", "_signal", "posix",
    })
    # Events whose leading path arguments must all lie inside the working directory.
    paths_inside = MappingProxyType({
        "os.remove": 1, "os.rmdir": 1, "os.mkdir": 1, "os.rename": 2, "os.link": 2, "os.truncate": 1,
        "os.utime": 1, "os.setxattr": 1, "os.removexattr": 1, "os.mkfifo": 1, "os.mknod": 1,
    })
    rebinding = frozenset({"__code__", "__defaults__", "__kwdefaults__"})

    def refuse(what, _error=PermissionError):
        raise _error("blocked by the AgentFlow python sandbox: " + what)

    def as_text(value, _type=type, _str=str, _bytes=bytes, _issubclass=issubclass, _copy=str.__str__,
                _slice=bytes.__getitem__, _everything=slice(None), _decode=bytes.decode, _int=int, _refuse=refuse):
        """A path argument as an exact str, or None for a descriptor or no path."""
        kind = _type(value)
        if kind is _str:
            return value
        if value is None or _issubclass(kind, _int):
            return None
        if _issubclass(kind, _str):
            return _copy(value)
        if _issubclass(kind, _bytes):
            return _decode(_slice(value, _everything), "utf-8", "surrogateescape")
        return _refuse("a path that is not a str, bytes or file descriptor")

    def resolve(path, _lstat=posix.lstat, _readlink=posix.readlink, _getcwd=posix.getcwd, _split=str.split,
                _startswith=str.startswith, _rpartition=str.rpartition, _reverse=list.reverse,
                _extend=list.extend, _pop=list.pop, _error=OSError):
        """The absolute path with every symbolic link followed, as the kernel would (os.path.realpath is Python
        code reading module globals, so code could make it lie)."""
        if not _startswith(path, "/"):
            path = _getcwd() + "/" + path
        pending = _split(path, "/")
        _reverse(pending)
        resolved, hops = "", 0
        while pending:
            name = _pop(pending)
            if name == "" or name == ".":
                continue
            if name == "..":
                resolved = _rpartition(resolved, "/")[0]
                continue
            candidate = resolved + "/" + name
            try:
                mode = _lstat(candidate).st_mode
            except _error:
                mode = 0
            if mode & 0o170000 == 0o120000 and hops < 40:
                hops += 1
                target = _readlink(candidate)
                if _startswith(target, "/"):
                    resolved = ""
                more = _split(target, "/")
                _reverse(more)
                _extend(pending, more)
            else:
                resolved = candidate
        return resolved or "/"

    def within(resolved, _root=root, _prefix=root + "/", _startswith=str.startswith):
        return resolved == _root or _startswith(resolved, _prefix)

    def climbs(path, _startswith=str.startswith, _split=str.split, _contains=list.__contains__):
        """A relative path with '..': the kernel may resolve it against a directory descriptor (dir_fd) that is
        not the working directory, so where it lands cannot be checked."""
        return not _startswith(path, "/") and _contains(_split(path, "/"), "..")

    def check_inside(value, what, _text=as_text, _climbs=climbs, _within=within, _resolve=resolve, _refuse=refuse):
        path = _text(value)
        if path is None:
            return None
        if _climbs(path):
            _refuse("a relative path that climbs with '..' (" + path + ")")
        resolved = _resolve(path)
        if not _within(resolved):
            _refuse(what + " outside the working directory (" + path + ")")
        return resolved

    def is_directory(resolved, _stat=posix.stat, _error=OSError):
        try:
            return _stat(resolved).st_mode & 0o170000 == 0o040000
        except _error:
            return False

    def foreign_proc(resolved, _own="/proc/%d" % posix.getpid(), _startswith=str.startswith, _split=str.split,
                     _isdigit=str.isdigit):
        if not _startswith(resolved, "/proc/"):
            return False
        entry = _split(resolved, "/")[2]
        return _isdigit(entry) and resolved != _own and not _startswith(resolved, _own + "/")

    def sqlite_path(database, _text=as_text, _startswith=str.startswith, _partition=str.partition, _refuse=refuse):
        """The file a sqlite3 database name opens, or None for an in-memory or temporary database."""
        name = _text(database)
        if name is None or name == "" or name == ":memory:":
            return None
        if not _startswith(name, "file:"):
            return name
        rest = _partition(_partition(name[5:], "?")[0], "#")[0]
        if _startswith(rest, "///"):
            rest = rest[2:]
        elif _startswith(rest, "//"):
            _refuse("a sqlite3 URI with an authority (" + name + ")")
        return None if rest == "" or rest == ":memory:" else rest

    def guard(event, args, _type=type, _str=str, _function=FunctionType, _own=own_code, _bootstrap=bootstrap_code,
              _refused=refused_always, _imports=refused_imports, _paths=paths_inside, _rebinding=rebinding, _write_flags=write_flags,
              _text=as_text, _climbs=climbs, _resolve=resolve, _within=within, _check=check_inside,
              _is_directory=is_directory, _foreign=foreign_proc, _sqlite=sqlite_path, _refuse=refuse,
              _range=range, _contains=str.__contains__, _int=int):
        if _type(event) is not _str:
            return
        if event == "open":
            path = _text(args[0])
            if path is None:
                return
            mode, flags = args[1], args[2]
            writing = (_type(mode) is _str and (_contains(mode, "w") or _contains(mode, "a") or _contains(mode, "x")
                                                 or _contains(mode, "+"))) or (_type(flags) is _int and flags & _write_flags)
            if _climbs(path):
                _refuse("a relative path that climbs with '..' (" + path + ")")
            resolved = _resolve(path)
            if not _within(resolved):
                if writing:
                    _refuse("writing outside the working directory (" + path + ")")
                # A directory descriptor from outside would let os.open(..., dir_fd=) reach there unseen.
                if _is_directory(resolved):
                    _refuse("opening a directory outside the working directory (" + path + ")")
                if _foreign(resolved):
                    _refuse("reading another process's /proc entry (" + path + ")")
        elif event in _refused:
            _refuse(_refused[event])
        elif event == "import":
            if _type(args[0]) is _str and args[0] in _imports:
                _refuse("importing " + args[0])
        elif event == "object.__setattr__" or event == "object.__delattr__":
            if _type(args[0]) is _function and _type(args[1]) is _str and args[1] in _rebinding and args[0].__code__ in _own:
                _refuse("rebinding the sandbox's " + args[1])
        elif event == "sys._getframe":
            # The script's own frames are its business; the bootstrap's are not.
            if args[0].f_code in _bootstrap:
                _refuse("inspecting the sandbox's own frames")
        elif event == "ctypes.dlopen":
            if args[0] is not None:
                _refuse("loading native libraries")
        elif event == "sqlite3.connect":
            database = _sqlite(args[0])
            if database is not None:
                _check(database, "opening a database")
        elif event in _paths:
            for index in _range(_paths[event]):
                _check(args[index], "changing files")
        elif event == "os.symlink":
            _check(args[1], "creating links")
            target = _text(args[0])
            if target is not None and (_climbs(target) or (target[:1] == "/" and not _within(_resolve(target)))):
                _refuse("a link pointing outside the working directory (" + target + ")")

    return guard


def _disarm_unhooked_calls():
    """Replaces the calls that act without raising an audit event (fork_exec starts programs, pidfd_send_signal
    signals any process) before the script runs; re-importing their modules is refused by the guard."""
    import os
    import posix
    import signal
    import _posixsubprocess
    import _signal

    def refused(what):
        def call(*args, **kwargs):
            raise PermissionError("blocked by the AgentFlow python sandbox: " + what)
        return call

    _posixsubprocess.fork_exec = refused("running other programs")
    for module in (signal, _signal):
        if hasattr(module, "pidfd_send_signal"):
            module.pidfd_send_signal = refused("signalling processes")
    for module in (os, posix):
        if hasattr(module, "pidfd_open"):
            module.pidfd_open = refused("signalling processes")


def _run():
    import ast
    import os
    import resource
    import traceback

    script = sys.argv[1]
    memory, cpu, file_size = (int(value) for value in sys.argv[2:5])
    guarded = sys.argv[5] == "guard"
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Bubblewrap hands the seccomp program over on stdin and closes it; input() should still see an empty stdin.
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")
    # Set by bubblewrap only; the environment should be the same whichever way the script runs.
    os.environ.pop("PWD", None)

    with open(script, encoding="utf-8") as source_file:
        source = source_file.read()

    try:
        tree = ast.parse(source, script)
    except SyntaxError as error:
        sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
        return 1
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = compile(tree, script, "exec")
    shown = compile(ast.Expression(last.value), script, "eval") if last is not None else None
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    sys.argv = [script]

    if guarded:
        _disarm_unhooked_calls()
        # No name in this frame keeps the hook: the script can walk up to this frame, and should find nothing.
        sys.addaudithook(_guard(os.path.realpath(os.getcwd()), frozenset({sys._getframe(0).f_code, sys._getframe(1).f_code})))
    try:
        exec(body, namespace)
        if shown is not None:
            value = eval(shown, namespace)
            if value is not None:
                print(repr(value))
    except SystemExit:
        raise
    except BaseException as error:
        # Show the script's frames only: the bootstrap's are noise to the model reading the traceback.
        frames = error.__traceback__
        while frames is not None and frames.tb_frame.f_code.co_filename != script:
            frames = frames.tb_next
        sys.stderr.write("".join(traceback.format_exception(type(error), error, frames)))
        return 1
    return 0


sys.exit(_run())
