using Quai.Interop;

namespace Quai.Runtime.Rootfs;

/// <summary>A mount's options split the way mount(2) and mount_setattr(2) need them: flags,
/// flags to clear, propagation, recursive attributes, runc extensions and fs-specific data.</summary>
public sealed record MountOptions(
    ulong Flags,
    ulong ClearFlags,
    IReadOnlyList<ulong> Propagation,
    ulong RecursiveSet,
    ulong RecursiveClear,
    string Data,
    bool TmpCopyUp,
    bool IdMap,
    bool RecursiveIdMap)
{
    public bool IsBind => (Flags & MS.BIND) != 0;
    public bool IsRecursiveBind => IsBind && (Flags & MS.REC) != 0;
    public bool ReadOnly => (Flags & MS.RDONLY) != 0;

    private static readonly Dictionary<string, (bool Clear, ulong Flag)> FlagTable = new()
    {
        ["acl"] = (false, 1 << 16), ["async"] = (true, MS.SYNCHRONOUS), ["atime"] = (true, MS.NOATIME),
        ["bind"] = (false, MS.BIND), ["defaults"] = (false, 0), ["dev"] = (true, MS.NODEV),
        ["diratime"] = (true, MS.NODIRATIME), ["dirsync"] = (false, MS.DIRSYNC), ["exec"] = (true, MS.NOEXEC),
        ["iversion"] = (false, 1 << 23), ["lazytime"] = (false, MS.LAZYTIME), ["loud"] = (true, MS.SILENT),
        ["mand"] = (false, MS.MANDLOCK), ["noacl"] = (true, 1 << 16), ["noatime"] = (false, MS.NOATIME),
        ["nodev"] = (false, MS.NODEV), ["nodiratime"] = (false, MS.NODIRATIME), ["noexec"] = (false, MS.NOEXEC),
        ["noiversion"] = (true, 1 << 23), ["nolazytime"] = (true, MS.LAZYTIME), ["nomand"] = (true, MS.MANDLOCK),
        ["norelatime"] = (true, MS.RELATIME), ["nostrictatime"] = (true, MS.STRICTATIME), ["nosuid"] = (false, MS.NOSUID),
        ["nosymfollow"] = (false, MS.NOSYMFOLLOW), ["rbind"] = (false, MS.BIND | MS.REC), ["relatime"] = (false, MS.RELATIME),
        ["remount"] = (false, MS.REMOUNT), ["ro"] = (false, MS.RDONLY), ["rw"] = (true, MS.RDONLY),
        ["silent"] = (false, MS.SILENT), ["strictatime"] = (false, MS.STRICTATIME), ["suid"] = (true, MS.NOSUID),
        ["sync"] = (false, MS.SYNCHRONOUS),
    };

    private static readonly Dictionary<string, ulong> PropagationTable = new()
    {
        ["private"] = MS.PRIVATE, ["rprivate"] = MS.PRIVATE | MS.REC, ["shared"] = MS.SHARED,
        ["rshared"] = MS.SHARED | MS.REC, ["slave"] = MS.SLAVE, ["rslave"] = MS.SLAVE | MS.REC,
        ["unbindable"] = MS.UNBINDABLE, ["runbindable"] = MS.UNBINDABLE | MS.REC,
    };

    // mount_setattr(2) attributes
    public const ulong AttrRdonly = 0x1, AttrNosuid = 0x2, AttrNodev = 0x4, AttrNoexec = 0x8, AttrAtimeMask = 0x70,
        AttrRelatime = 0x0, AttrNoatime = 0x10, AttrStrictatime = 0x20, AttrNodiratime = 0x80, AttrIdmap = 0x100000,
        AttrNosymfollow = 0x200000;

    private static readonly Dictionary<string, (bool Clear, ulong Attr)> RecursiveTable = new()
    {
        ["rro"] = (false, AttrRdonly), ["rrw"] = (true, AttrRdonly), ["rnosuid"] = (false, AttrNosuid),
        ["rsuid"] = (true, AttrNosuid), ["rnodev"] = (false, AttrNodev), ["rdev"] = (true, AttrNodev),
        ["rnoexec"] = (false, AttrNoexec), ["rexec"] = (true, AttrNoexec), ["rnodiratime"] = (false, AttrNodiratime),
        ["rdiratime"] = (true, AttrNodiratime), ["rrelatime"] = (false, AttrRelatime | 0x8000_0000_0000),
        ["rnorelatime"] = (true, AttrRelatime | 0x8000_0000_0000), ["rnoatime"] = (false, AttrNoatime),
        ["ratime"] = (true, AttrNoatime), ["rstrictatime"] = (false, AttrStrictatime),
        ["rnostrictatime"] = (true, AttrStrictatime), ["rnosymfollow"] = (false, AttrNosymfollow),
        ["rsymfollow"] = (true, AttrNosymfollow),
    };

    /// <summary>Every option name the runtime understands, for `features`.</summary>
    public static IEnumerable<string> KnownOptions =>
        FlagTable.Keys.Concat(PropagationTable.Keys).Concat(RecursiveTable.Keys)
            .Concat(["tmpcopyup", "idmap", "ridmap"]).Order(StringComparer.Ordinal);

    public static MountOptions Parse(IEnumerable<string>? options)
    {
        ulong flags = 0, clear = 0, rset = 0, rclear = 0;
        var propagation = new List<ulong>();
        var data = new List<string>();
        bool copyUp = false, idmap = false, ridmap = false;
        foreach (var o in options ?? [])
        {
            if (FlagTable.TryGetValue(o, out var f))
            {
                if (f.Clear) { flags &= ~f.Flag; clear |= f.Flag; }
                else { flags |= f.Flag; clear &= ~f.Flag; }
            }
            else if (PropagationTable.TryGetValue(o, out var p)) propagation.Add(p);
            else if (RecursiveTable.TryGetValue(o, out var r))
            {
                var attr = r.Attr & ~0x8000_0000_0000UL;
                if (r.Clear) rclear |= attr == 0 ? AttrAtimeMask : attr;
                else if (attr == 0) rclear |= AttrAtimeMask; // relatime: the atime field set to 0
                else rset |= attr;
            }
            else if (o == "tmpcopyup") copyUp = true;
            else if (o == "idmap") idmap = true;
            else if (o == "ridmap") ridmap = true;
            else data.Add(o);
        }
        return new MountOptions(flags, clear, propagation, rset, rclear, string.Join(',', data), copyUp, idmap, ridmap);
    }
}
