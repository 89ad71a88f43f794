using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AgentFlow.MLNet.Tools.Python;

/// <summary>
/// The seccomp program (classic BPF, as <c>prctl(PR_SET_SECCOMP)</c> and bubblewrap's <c>--seccomp</c> take it)
/// that the sandboxed interpreter runs under. It refuses, with <c>EPERM</c>: new processes (<c>fork</c>,
/// <c>vfork</c>, <c>clone</c> without <c>CLONE_THREAD</c>; <c>clone3</c> answers <c>ENOSYS</c> so that the C
/// library falls back to <c>clone</c> for threads), sockets other than <c>AF_UNIX</c>, signals to any process,
/// other processes' memory (<c>ptrace</c>, <c>process_vm_*</c>, <c>pidfd_getfd</c>), and kernel interfaces a
/// script has no use for that have carried privilege-escalation bugs (namespaces, mounts, io_uring, eBPF,
/// perf events, userfaultfd, keyrings, modules). A system call of another ABI (i386 or x32 on x86-64) kills the
/// process, so numbers of one table cannot be smuggled past the checks of another. Everything else is allowed.
/// </summary>
internal static class SyscallFilter
{
    private const uint CloneThread = 0x00010000;
    private const uint AddressFamilyUnix = 1;
    private const uint ErrnoPermission = 1;
    private const uint ErrnoNotImplemented = 38;

    // seccomp return actions and the fields of struct seccomp_data.
    private const uint Allow = 0x7fff0000;
    private const uint Errno = 0x00050000;
    private const uint KillProcess = 0x80000000;
    private const uint SyscallNumberOffset = 0;
    private const uint ArchitectureOffset = 4;
    private const uint FirstArgumentOffset = 16; // the low 32 bits of args[0] on these little-endian machines

    // Classic BPF opcodes.
    private const ushort LoadWordOpcode = 0x20;
    private const ushort JumpEqualOpcode = 0x15;
    private const ushort JumpGreaterOrEqualOpcode = 0x35;
    private const ushort JumpAnyBitOpcode = 0x45;
    private const ushort ReturnOpcode = 0x06;

    /// <summary>One CPU's system call numbers for the calls the filter looks at.</summary>
    private sealed record SyscallTable(uint AuditArchitecture, uint? ForeignAbiBase, uint CloneCall, uint Clone3Call, uint SocketCall, uint[] Refused);

    // From the kernel's uapi headers (asm/unistd_64.h for x86-64, asm-generic/unistd.h for arm64), in the order:
    // fork, vfork, ptrace, process_vm_readv, process_vm_writev, pidfd_getfd, kill, tkill, tgkill, rt_sigqueueinfo,
    // rt_tgsigqueueinfo, pidfd_send_signal, pidfd_open, unshare, setns, mount, umount2, pivot_root, chroot, open_tree,
    // move_mount, fsopen, fsconfig, fsmount, fspick, mount_setattr, io_uring_setup, io_uring_enter,
    // io_uring_register, bpf, perf_event_open, userfaultfd, keyctl, add_key, request_key, open_by_handle_at,
    // name_to_handle_at, fanotify_init, kexec_load, kexec_file_load, init_module, finit_module, delete_module,
    // reboot, swapon, swapoff, acct. (arm64 has no fork or vfork: glibc forks with clone there.)
    private static readonly SyscallTable X64 = new(0xC000003E, ForeignAbiBase: 0x40000000, CloneCall: 56, Clone3Call: 435, SocketCall: 41,
        [57, 58, 101, 310, 311, 438, 62, 200, 234, 129, 297, 424, 434, 272, 308, 165, 166, 155, 161, 428,
         429, 430, 431, 432, 433, 442, 425, 426, 427, 321, 298, 323, 250, 248, 249, 304, 303, 300, 246,
         320, 175, 313, 176, 169, 167, 168, 163]);

    private static readonly SyscallTable Arm64 = new(0xC00000B7, ForeignAbiBase: null, CloneCall: 220, Clone3Call: 435, SocketCall: 198,
        [117, 270, 271, 438, 129, 130, 131, 138, 240, 424, 434, 97, 268, 40, 39, 41, 51, 428,
         429, 430, 431, 432, 433, 442, 425, 426, 427, 280, 241, 282, 219, 217, 218, 265, 264, 262, 104,
         294, 105, 273, 106, 142, 224, 225, 89]);

    /// <summary>The filter for this process's CPU, or null on a CPU it has no system call table for.</summary>
    internal static byte[]? ForThisMachine() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => Build(X64),
        Architecture.Arm64 => Build(Arm64),
        _ => null,
    };

    private static byte[] Build(SyscallTable table)
    {
        var program = new Program();
        program.Load(ArchitectureOffset);
        program.JumpIfEqual(table.AuditArchitecture, whenTrue: "native", whenFalse: "kill");
        program.Label("native");
        program.Load(SyscallNumberOffset);
        if (table.ForeignAbiBase is uint foreignAbi)
            program.Jump(JumpGreaterOrEqualOpcode, foreignAbi, whenTrue: "kill", whenFalse: null);
        program.JumpIfEqual(table.CloneCall, whenTrue: "clone", whenFalse: null);
        program.JumpIfEqual(table.Clone3Call, whenTrue: "enosys", whenFalse: null);
        program.JumpIfEqual(table.SocketCall, whenTrue: "socket", whenFalse: null);
        foreach (uint refused in table.Refused)
            program.JumpIfEqual(refused, whenTrue: "eperm", whenFalse: null);
        program.Return(Allow);
        program.Label("clone");
        program.Load(FirstArgumentOffset);
        program.Jump(JumpAnyBitOpcode, CloneThread, whenTrue: "allow", whenFalse: "eperm");
        program.Label("socket");
        program.Load(FirstArgumentOffset);
        program.JumpIfEqual(AddressFamilyUnix, whenTrue: "allow", whenFalse: "eperm");
        program.Label("allow");
        program.Return(Allow);
        program.Label("eperm");
        program.Return(Errno | ErrnoPermission);
        program.Label("enosys");
        program.Return(Errno | ErrnoNotImplemented);
        program.Label("kill");
        program.Return(KillProcess);
        return program.Assemble();
    }

    /// <summary>A tiny assembler: instructions with forward jumps to named labels, resolved at the end.</summary>
    private sealed class Program
    {
        private readonly List<(ushort Code, string? WhenTrue, string? WhenFalse, uint Constant)> _instructions = [];
        private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);

        internal void Load(uint offset) => _instructions.Add((LoadWordOpcode, null, null, offset));

        internal void JumpIfEqual(uint value, string? whenTrue, string? whenFalse) => Jump(JumpEqualOpcode, value, whenTrue, whenFalse);

        /// <summary>A conditional jump; a null target means the next instruction.</summary>
        internal void Jump(ushort code, uint value, string? whenTrue, string? whenFalse) => _instructions.Add((code, whenTrue, whenFalse, value));

        internal void Return(uint action) => _instructions.Add((ReturnOpcode, null, null, action));

        internal void Label(string name) => _labels.Add(name, _instructions.Count);

        internal byte[] Assemble()
        {
            var bytes = new byte[_instructions.Count * 8];
            for (int i = 0; i < _instructions.Count; i++)
            {
                var (code, whenTrue, whenFalse, constant) = _instructions[i];
                var instruction = bytes.AsSpan(i * 8, 8);
                BinaryPrimitives.WriteUInt16LittleEndian(instruction, code);
                instruction[2] = Offset(i, whenTrue);
                instruction[3] = Offset(i, whenFalse);
                BinaryPrimitives.WriteUInt32LittleEndian(instruction[4..], constant);
            }
            return bytes;
        }

        // BPF jumps are relative to the next instruction, forward only, and at most 255 instructions long.
        private byte Offset(int from, string? label) =>
            label is null ? (byte)0 : checked((byte)(_labels[label] - from - 1));
    }
}
