namespace Quai.Runtime.Containers;

/// <summary>/proc/PID/stat: a process's state letter and start time.</summary>
public static class ProcStat
{
    public static (char State, ulong StartTime)? Read(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        return Parse(text);
    }

    public static (char State, ulong StartTime)? Parse(string text)
    {
        // the command name (field 2) may contain spaces and parentheses: parse after the last ')'
        var close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); start time is field 22 → index 19
        if (fields.Length < 20 || !ulong.TryParse(fields[19], out var start)) return null;
        return (fields[0][0], start);
    }
}
