namespace Quai.Registry.Auth;

/// <summary>Token scopes of the distribution spec: <c>repository:NAME:pull</c>, <c>repository:NAME:pull,push</c>,
/// <c>registry:catalog:*</c>.</summary>
public static class Scope
{
    public const string Pull = "pull";
    public const string PullPush = "pull,push";
    public const string Catalog = "registry:catalog:*";

    public static string Repository(string path, string actions) => $"repository:{path}:{actions}";
}
