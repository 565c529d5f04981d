namespace Quai.Runtime.Cgroups.Devices;

/// <summary>
/// Models the v1 device controller: a default behaviour (allow/deny all) plus exceptions.
/// Applying rules in order gives the same result as writing them to devices.allow/devices.deny:
/// a blanket rule resets the default and clears exceptions; a rule matching the default's opposite
/// adds (or widens) an exception; a rule agreeing with the default narrows an exactly-matching exception.
/// </summary>
public sealed class DeviceEmulator
{
    public bool DefaultAllow { get; private set; } = true;
    private readonly List<DeviceRule> _exceptions = new();

    /// <summary>Exceptions to the default (Allow == !DefaultAllow for all of them).</summary>
    public IReadOnlyList<DeviceRule> Exceptions => _exceptions;

    public static DeviceEmulator FromRules(IEnumerable<DeviceRule> rules)
    {
        var e = new DeviceEmulator();
        foreach (var r in rules) e.Apply(r);
        return e;
    }

    public void Apply(DeviceRule rule)
    {
        if (rule.Type == 'a')
        {
            if (rule.Major == DeviceRule.Wildcard && rule.Minor == DeviceRule.Wildcard && rule.Access == DeviceAccess.All)
            {
                DefaultAllow = rule.Allow;
                _exceptions.Clear();
                return;
            }
            // "a" with specific numbers or partial access: apply to both char and block devices.
            Apply(rule with { Type = 'c' });
            Apply(rule with { Type = 'b' });
            return;
        }
        if (rule.Access == DeviceAccess.None) return;
        int i = _exceptions.FindIndex(x => x.Type == rule.Type && x.Major == rule.Major && x.Minor == rule.Minor);
        if (rule.Allow != DefaultAllow)
        {
            if (i >= 0) _exceptions[i] = _exceptions[i] with { Access = _exceptions[i].Access | rule.Access };
            else _exceptions.Add(rule);
        }
        else if (i >= 0)
        {
            var left = _exceptions[i].Access & ~rule.Access;
            if (left == DeviceAccess.None) _exceptions.RemoveAt(i);
            else _exceptions[i] = _exceptions[i] with { Access = left };
        }
    }

    /// <summary>Would an access of <paramref name="access"/> to device type/major/minor be permitted?</summary>
    public bool IsAllowed(char type, long major, long minor, DeviceAccess access)
    {
        foreach (var ex in _exceptions)
        {
            if (ex.Type != type) continue;
            if (ex.Major != DeviceRule.Wildcard && ex.Major != major) continue;
            if (ex.Minor != DeviceRule.Wildcard && ex.Minor != minor) continue;
            if (DefaultAllow)
            {
                if ((ex.Access & access) != 0) return false; // any overlap with a deny exception denies
            }
            else if ((access & ~ex.Access) == 0) return true; // fully covered by an allow exception
        }
        return DefaultAllow;
    }

    /// <summary>Parses a v1 devices.list (only meaningful for deny-by-default, which is all the kernel can show).</summary>
    public static DeviceEmulator FromDevicesList(string text)
    {
        var e = new DeviceEmulator { DefaultAllow = false };
        foreach (var raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = raw.Split(' ');
            if (parts.Length != 3) continue;
            var nums = parts[1].Split(':');
            if (nums.Length != 2) continue;
            long maj = nums[0] == "*" ? DeviceRule.Wildcard : long.Parse(nums[0]);
            long min = nums[1] == "*" ? DeviceRule.Wildcard : long.Parse(nums[1]);
            var access = DeviceRule.ParseAccess(parts[2]);
            if (parts[0] == "a" && maj == DeviceRule.Wildcard && min == DeviceRule.Wildcard && access == DeviceAccess.All)
                e.Apply(new DeviceRule('a', maj, min, access, true));
            else e.Apply(new DeviceRule(parts[0][0], maj, min, access, true));
        }
        return e;
    }

    /// <summary>
    /// v1 rules that turn this deny-by-default state into <paramref name="target"/> (also deny-by-default)
    /// without a blanket reset: widen/add exceptions first, then narrow/remove.
    /// </summary>
    public List<DeviceRule> TransitionTo(DeviceEmulator target)
    {
        if (DefaultAllow || target.DefaultAllow) throw new InvalidOperationException("transition is only defined between deny-by-default states");
        static DeviceAccess AccessOf(DeviceEmulator e, DeviceRule key) =>
            e._exceptions.FirstOrDefault(x => x.Type == key.Type && x.Major == key.Major && x.Minor == key.Minor).Access;
        var result = new List<DeviceRule>();
        foreach (var ex in target._exceptions)
        {
            var add = ex.Access & ~AccessOf(this, ex);
            if (add != DeviceAccess.None) result.Add(ex with { Access = add, Allow = true });
        }
        foreach (var ex in _exceptions)
        {
            var remove = ex.Access & ~AccessOf(target, ex);
            if (remove != DeviceAccess.None) result.Add(ex with { Access = remove, Allow = false });
        }
        return result;
    }

    public bool SameAs(DeviceEmulator other) =>
        DefaultAllow == other.DefaultAllow && _exceptions.Count == other._exceptions.Count &&
        _exceptions.All(x => other._exceptions.Contains(x));
}
