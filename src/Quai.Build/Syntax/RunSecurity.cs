namespace Quai.Build.Syntax;

/// <summary>The security mode of a RUN (<c>--security=</c>).</summary>
public enum RunSecurity
{
    /// <summary>The default confinement.</summary>
    Sandbox,
    /// <summary>Privileged (needs the security.insecure entitlement).</summary>
    Insecure,
}
