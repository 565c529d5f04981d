namespace Quai.Registry.Auth;

/// <summary>A user name and password, or an identity (refresh) token when <see cref="IsIdentityToken"/>
/// (then <see cref="Secret"/> is the token; credential helpers spell its user <c>&lt;token&gt;</c>).</summary>
public sealed record Credential(string Username, string Secret, bool IsIdentityToken = false)
{
    /// <summary>Never prints the secret.</summary>
    public override string ToString() => IsIdentityToken ? "Credential(identity token)" : $"Credential({Username}, ***)";
}
