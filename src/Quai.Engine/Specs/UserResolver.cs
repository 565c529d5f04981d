using Quai.Engine.Containers;

namespace Quai.Engine.Specs;

public sealed record ResolvedUser(uint Uid, uint Gid, List<uint> AdditionalGids, string Home);

/// <summary>Resolves Docker's -u/USER ("name", "uid", "name:group", "uid:gid") against the image's
/// /etc/passwd and /etc/group, as runc's libcontainer/user does.</summary>
public static class UserResolver
{
    public static ResolvedUser Resolve(string? spec, string? passwdText, string? groupText)
    {
        spec = string.IsNullOrEmpty(spec) ? "0" : spec;
        var parts = spec.Split(':', 2);
        var userPart = parts[0];
        var groupPart = parts.Length > 1 ? parts[1] : null;
        var passwd = ParsePasswd(passwdText);
        var groups = ParseGroup(groupText);

        uint uid, gid = 0;
        string home = "/";
        string? userName = null;
        var entry = uint.TryParse(userPart, out var numeric)
            ? passwd.FirstOrDefault(p => p.Uid == numeric)
            : passwd.FirstOrDefault(p => p.Name == userPart);
        if (entry is not null)
        {
            uid = entry.Uid; gid = entry.Gid; home = entry.Home; userName = entry.Name;
        }
        else if (uint.TryParse(userPart, out numeric)) uid = numeric;
        else throw new ContainerStartException($"unable to find user {userPart}: no matching entries in passwd file", 126);

        if (groupPart is not null)
        {
            if (uint.TryParse(groupPart, out var g)) gid = g;
            else gid = groups.FirstOrDefault(x => x.Name == groupPart)?.Gid
                       ?? throw new ContainerStartException($"unable to find group {groupPart}: no matching entries in group file", 126);
        }
        var additional = new List<uint>();
        if (userName is not null && groupPart is null)
            foreach (var g in groups)
                if (g.Members.Contains(userName) && g.Gid != gid && !additional.Contains(g.Gid)) additional.Add(g.Gid);
        return new ResolvedUser(uid, gid, additional, home);
    }

    /// <summary>A --group-add entry: a number, or a group name of the image's /etc/group.</summary>
    public static uint Group(string nameOrGid, string? groupText) =>
        uint.TryParse(nameOrGid, out var gid) ? gid
        : ParseGroup(groupText).FirstOrDefault(g => g.Name == nameOrGid)?.Gid
          ?? throw new ContainerStartException($"Unable to find group {nameOrGid}: no matching entries in group file", 126);

    private sealed record PasswdEntry(string Name, uint Uid, uint Gid, string Home);
    private sealed record GroupEntry(string Name, uint Gid, string[] Members);

    private static List<PasswdEntry> ParsePasswd(string? text)
    {
        var list = new List<PasswdEntry>();
        foreach (var line in (text ?? "").Split('\n'))
        {
            var f = line.Trim().Split(':');
            if (f.Length < 4 || f[0].StartsWith('#')) continue;
            if (!uint.TryParse(f[2], out var uid) || !uint.TryParse(f[3], out var gid)) continue;
            list.Add(new PasswdEntry(f[0], uid, gid, f.Length > 5 && f[5].Length > 0 ? f[5] : "/"));
        }
        return list;
    }

    private static List<GroupEntry> ParseGroup(string? text)
    {
        var list = new List<GroupEntry>();
        foreach (var line in (text ?? "").Split('\n'))
        {
            var f = line.Trim().Split(':');
            if (f.Length < 3 || f[0].StartsWith('#')) continue;
            if (!uint.TryParse(f[2], out var gid)) continue;
            list.Add(new GroupEntry(f[0], gid, f.Length > 3 ? f[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : []));
        }
        return list;
    }
}
