namespace Quai.Interop;

/// <summary>Named crash points for fault-injection tests: when the environment variable
/// <c>QUAI_FAULT</c> names a point (or a comma-separated list holds it), the process SIGKILLs itself
/// when it reaches that point, exactly as if an operator or the OOM killer had killed it there.
/// Tests use it to prove that every multi-step command can be killed at each step and that the
/// next command cleans up. Costs one cached environment lookup when unset.</summary>
public static class FaultPoint
{
    public const string Variable = "QUAI_FAULT";
    private static readonly string[] Armed =
        (Environment.GetEnvironmentVariable(Variable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static bool Enabled => Armed.Length > 0;

    /// <summary>Kills the process with SIGKILL if <paramref name="name"/> is armed.</summary>
    public static void Hit(string name)
    {
        if (Armed.Length == 0 || Array.IndexOf(Armed, name) < 0) return;
        Libc.Kill(Libc.GetPid(), Sig.KILL);
        // SIGKILL of oneself is delivered before kill() returns; never go on.
        while (true) Thread.Sleep(Timeout.Infinite);
    }
}
