using System.Runtime.InteropServices;
using System.Text;
using Quai.Interop;

namespace Quai.Runtime.Cgroups.Devices;

/// <summary>bpf(2) calls needed to load and (re)attach a cgroup device program.</summary>
public static unsafe class Bpf
{
    private const int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_GET_FD_BY_ID = 13, BPF_PROG_QUERY = 16;
    public const int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    public const int BPF_CGROUP_DEVICE = 6;
    public const int BPF_F_ALLOW_MULTI = 2;
    private const int AttrSize = 128;

    private static long SysBpf => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        Architecture.RiscV64 => 280,
        Architecture.LoongArch64 => 280,
        Architecture.Ppc64le => 361,
        Architecture.S390x => 351,
        _ => throw new PlatformNotSupportedException("bpf syscall number unknown for " + RuntimeInformation.ProcessArchitecture),
    };

    private static long Call(int cmd, byte* attr) => Libc.Syscall(SysBpf, cmd, (long)attr, AttrSize, 0, 0);

    /// <summary>Loads a device program; returns its fd. The verifier log is included in the error.</summary>
    public static int LoadDeviceProgram(IReadOnlyList<BpfInstruction> program)
    {
        byte[] insns = BpfInstruction.Encode(program);
        byte[] license = Encoding.ASCII.GetBytes(DeviceFilter.License + "\0");
        byte[] name = Encoding.ASCII.GetBytes("quai_devices");
        byte* attr = stackalloc byte[AttrSize];
        for (int attempt = 0; attempt < 2; attempt++)
        {
            byte[] log = attempt == 0 ? Array.Empty<byte>() : new byte[65536];
            new Span<byte>(attr, AttrSize).Clear();
            fixed (byte* pi = insns) fixed (byte* pl = license) fixed (byte* plog = log)
            {
                *(uint*)(attr + 0) = BPF_PROG_TYPE_CGROUP_DEVICE;
                *(uint*)(attr + 4) = (uint)program.Count;
                *(ulong*)(attr + 8) = (ulong)pi;
                *(ulong*)(attr + 16) = (ulong)pl;
                if (log.Length > 0)
                {
                    *(uint*)(attr + 24) = 1;
                    *(uint*)(attr + 28) = (uint)log.Length;
                    *(ulong*)(attr + 32) = (ulong)plog;
                }
                name.CopyTo(new Span<byte>(attr + 48, 16));
                *(uint*)(attr + 68) = BPF_CGROUP_DEVICE; // expected_attach_type
                long fd = Call(BPF_PROG_LOAD, attr);
                if (fd >= 0) return (int)fd;
                int errno = Libc.LastErrno;
                if (attempt == 1 || errno is Errno.EPERM or Errno.ENOSYS)
                {
                    string verifier = log.Length > 0 ? Encoding.ASCII.GetString(log).TrimEnd('\0').Trim() : "";
                    throw new ErrnoException("bpf(BPF_PROG_LOAD, cgroup device program)" +
                        (verifier.Length > 0 ? $" [verifier: {verifier}]" : ""), errno);
                }
            }
        }
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Program ids attached to a cgroup for BPF_CGROUP_DEVICE.</summary>
    public static List<uint> QueryDevicePrograms(int cgroupFd, string cgroupPath) => QueryDevicePrograms(cgroupFd, cgroupPath, out _);

    /// <summary>Program ids attached to a cgroup for BPF_CGROUP_DEVICE, and the attach flags in effect.</summary>
    public static List<uint> QueryDevicePrograms(int cgroupFd, string cgroupPath, out uint attachFlags)
    {
        var ids = new uint[64];
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        fixed (uint* p = ids)
        {
            *(uint*)(attr + 0) = (uint)cgroupFd;
            *(uint*)(attr + 4) = BPF_CGROUP_DEVICE;
            *(ulong*)(attr + 16) = (ulong)p;
            *(uint*)(attr + 24) = (uint)ids.Length;
            if (Call(BPF_PROG_QUERY, attr) < 0)
                throw new ErrnoException($"bpf(BPF_PROG_QUERY) on {cgroupPath}", Libc.LastErrno);
            uint count = *(uint*)(attr + 24);
            attachFlags = *(uint*)(attr + 12);
            return ids.Take((int)Math.Min(count, (uint)ids.Length)).ToList();
        }
    }

    public static int GetProgramFdById(uint id)
    {
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)attr = id;
        long fd = Call(BPF_PROG_GET_FD_BY_ID, attr);
        if (fd < 0) throw new ErrnoException($"bpf(BPF_PROG_GET_FD_BY_ID, {id})", Libc.LastErrno);
        return (int)fd;
    }

    public static void Attach(int cgroupFd, int progFd, string cgroupPath, int flags = BPF_F_ALLOW_MULTI)
    {
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)cgroupFd;
        *(uint*)(attr + 4) = (uint)progFd;
        *(uint*)(attr + 8) = BPF_CGROUP_DEVICE;
        *(uint*)(attr + 12) = (uint)flags;
        if (Call(BPF_PROG_ATTACH, attr) < 0)
            throw new ErrnoException($"bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE) to {cgroupPath}", Libc.LastErrno);
    }

    public static void Detach(int cgroupFd, int progFd, string cgroupPath)
    {
        byte* attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)(attr + 0) = (uint)cgroupFd;
        *(uint*)(attr + 4) = (uint)progFd;
        *(uint*)(attr + 8) = BPF_CGROUP_DEVICE;
        if (Call(BPF_PROG_DETACH, attr) < 0)
            throw new ErrnoException($"bpf(BPF_PROG_DETACH, BPF_CGROUP_DEVICE) from {cgroupPath}", Libc.LastErrno);
    }

    /// <summary>
    /// Loads <paramref name="program"/> and attaches it to the cgroup directory with BPF_F_ALLOW_MULTI,
    /// then detaches every device program that was attached before (so an update replaces the old
    /// filter without a window where no filter is active).
    /// </summary>
    public static void ReplaceDeviceFilter(string cgroupDir, IReadOnlyList<BpfInstruction> program)
    {
        int dirFd = Libc.Open(cgroupDir, O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0);
        if (dirFd < 0) throw new ErrnoException($"open {cgroupDir}", Libc.LastErrno);
        var oldFds = new List<int>();
        int progFd = -1;
        try
        {
            List<uint> oldIds;
            uint flags = 0;
            try { oldIds = QueryDevicePrograms(dirFd, cgroupDir, out flags); }
            catch (ErrnoException e) when (e.Code is Errno.EINVAL or Errno.ENOSYS) { oldIds = new(); }
            if (oldIds.Count > 0 && (flags & BPF_F_ALLOW_MULTI) == 0)
            {
                // Someone attached in exclusive/override mode: a multi attach would fail with EPERM,
                // but attaching in the same mode atomically replaces their program.
                progFd = LoadDeviceProgram(program);
                Attach(dirFd, progFd, cgroupDir, (int)flags);
                return;
            }
            foreach (var id in oldIds)
            {
                try { oldFds.Add(GetProgramFdById(id)); }
                catch (ErrnoException e) when (e.Code == Errno.ENOENT) { } // went away meanwhile
            }
            progFd = LoadDeviceProgram(program);
            Attach(dirFd, progFd, cgroupDir);
            foreach (var fd in oldFds) Detach(dirFd, fd, cgroupDir);
        }
        finally
        {
            foreach (var fd in oldFds) Libc.Close(fd);
            if (progFd >= 0) Libc.Close(progFd);
            Libc.Close(dirFd);
        }
    }
}
