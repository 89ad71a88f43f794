# Runs one model-written script for AgentFlow's python tool. The host starts it as
#   python3 -I -B -X utf8 -c <this file> <script> <memory bytes> <cpu seconds> <file bytes>
# in a fresh private working directory holding <script>, with a cleared environment and stdin closed.
#
# Limits (setrlimit, kernel-enforced): address space, CPU seconds, size of any file written, no core dumps.
# Guard (an audit hook, sys.addaudithook): refuses writes outside the working directory, other processes,
# sockets, foreign ctypes libraries, raising limits again, reading other processes' /proc entries, and
# walking the heap to find and disarm the hook. The hook is a guard against accidents and casual escapes
# by generated code, not a security boundary: code that sets out to defeat it (for example through
# _posixsubprocess, which has no audit event) can. The real boundaries are the host's: its timeout, which
# kills the process tree, the limits above, and running the host as an unprivileged user or in a container.
#
# The last statement, when it is an expression, is printed like a notebook cell's value, because models
# often end with the value they want to see instead of printing it.

import sys


def _run():
    import ast
    import os
    import resource
    import traceback

    script = sys.argv[1]
    memory, cpu, file_size = (int(value) for value in sys.argv[2:5])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    with open(script, encoding="utf-8") as source_file:
        source = source_file.read()

    root = os.path.realpath(os.getcwd())
    own_proc = "/proc/%d" % os.getpid()
    realpath, fsdecode, isdir, sep = os.path.realpath, os.fsdecode, os.path.isdir, os.sep
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    refused_always = {
        "os.system": "running other programs",
        "os.exec": "running other programs",
        "os.posix_spawn": "running other programs",
        "os.spawn": "running other programs",
        "os.fork": "starting processes",
        "os.forkpty": "starting processes",
        "subprocess.Popen": "running other programs",
        "pty.spawn": "running other programs",
        "os.kill": "signalling processes",
        "os.killpg": "signalling processes",
        "socket.__new__": "network access",
        "resource.setrlimit": "changing resource limits",
        "resource.prlimit": "changing resource limits",
        "os.chmod": "changing file permissions",
        "os.chown": "changing file ownership",
        "gc.get_objects": "inspecting the heap",
        "gc.get_referrers": "inspecting the heap",
        "gc.get_referents": "inspecting the heap",
        "ctypes.dlsym": "calling native code",
        "ctypes.dlsym/handle": "calling native code",
        "ctypes.call_function": "calling native code",
        "ctypes.cdata": "reading raw memory",
        "ctypes.cdata/buffer": "reading raw memory",
    }
    # Events whose leading path arguments must all lie inside the working directory.
    paths_inside = {
        "os.remove": 1, "os.rmdir": 1, "os.mkdir": 1, "os.rename": 2, "os.link": 2, "os.truncate": 1,
        "os.utime": 1, "os.setxattr": 1, "os.removexattr": 1, "os.mkfifo": 1, "os.mknod": 1,
        "shutil.rmtree": 1, "shutil.move": 2, "shutil.copyfile": 2, "shutil.copytree": 2,
    }

    class SandboxViolation(PermissionError):
        pass

    def refuse(what):
        raise SandboxViolation("blocked by the AgentFlow python sandbox: " + what)

    def resolve(path):
        return realpath(fsdecode(path))

    def inside(path):
        if isinstance(path, int):
            return True  # an already open descriptor, checked when it was opened
        resolved = resolve(path)
        return resolved == root or resolved.startswith(root + sep)

    def foreign_proc(path):
        resolved = resolve(path)
        if not resolved.startswith("/proc/"):
            return False
        entry = resolved.split("/")[2]
        return entry.isdigit() and resolved != own_proc and not resolved.startswith(own_proc + "/")

    def guard(event, args):
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & write_flags)
            if writing and not inside(path):
                refuse("writing outside the working directory (%s)" % fsdecode(path))
            # A directory descriptor from outside would let os.open(..., dir_fd=) write there unseen.
            if not inside(path) and isdir(fsdecode(path)):
                refuse("opening a directory outside the working directory (%s)" % fsdecode(path))
            if foreign_proc(path):
                refuse("reading another process's /proc entry (%s)" % fsdecode(path))
        elif event in refused_always:
            refuse(refused_always[event])
        elif event == "ctypes.dlopen" and args and args[0] is not None:
            refuse("loading native libraries")
        elif event in paths_inside:
            for path in args[: paths_inside[event]]:
                if path is not None and not inside(path):
                    refuse("changing files outside the working directory (%s)" % fsdecode(path))
        elif event == "os.symlink" and not inside(args[1]):
            refuse("creating links outside the working directory")

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

    sys.addaudithook(guard)
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
