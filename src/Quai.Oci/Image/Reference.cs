using System.Text.RegularExpressions;

namespace Quai.Oci.Image;

/// <summary>An image reference normalised the way Docker does it:
/// <c>busybox</c> → <c>docker.io/library/busybox:latest</c>, <c>host:5000/a/b:tag</c>,
/// <c>name@sha256:…</c>, <c>name:tag@sha256:…</c>.</summary>
public sealed partial record Reference
{
    public const string DefaultDomain = "docker.io";
    public const string LegacyDefaultDomain = "index.docker.io";
    public const string OfficialRepoPrefix = "library/";
    public const string DefaultTag = "latest";
    public const int MaxNameLength = 255;

    /// <summary>Registry host with optional port, e.g. <c>docker.io</c> or <c>localhost:5000</c>.</summary>
    public string Domain { get; }
    /// <summary>Repository path inside the registry, e.g. <c>library/busybox</c>.</summary>
    public string Path { get; }
    public string? Tag { get; }
    public Digest? Digest { get; }

    private Reference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain; Path = path; Tag = tag; Digest = digest;
    }

    /// <summary><c>docker.io/library/busybox</c>.</summary>
    public string Repository => $"{Domain}/{Path}";

    /// <summary>The short name Docker prints: <c>busybox</c>, <c>user/app</c>, <c>host:5000/a/b</c>.</summary>
    public string FamiliarRepository
    {
        get
        {
            if (Domain != DefaultDomain) return Repository;
            if (Path.StartsWith(OfficialRepoPrefix, StringComparison.Ordinal) && Path.IndexOf('/', OfficialRepoPrefix.Length) < 0)
                return Path[OfficialRepoPrefix.Length..];
            return Path;
        }
    }

    /// <summary>The fully qualified form, e.g. <c>docker.io/library/busybox:latest</c>.</summary>
    public override string ToString() => Repository + Suffix;

    /// <summary>The familiar form, e.g. <c>busybox:latest</c>.</summary>
    public string ToFamiliarString() => FamiliarRepository + Suffix;

    private string Suffix => (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    public Reference WithTag(string tag)
    {
        if (!TagRegex().IsMatch(tag)) throw new FormatException($"invalid tag format \"{tag}\"");
        return new Reference(Domain, Path, tag, null);
    }

    public Reference WithDigest(Digest digest) => new(Domain, Path, null, digest);

    /// <summary>The repository alone (no tag, no digest).</summary>
    public Reference NameOnly() => new(Domain, Path, null, null);

    /// <summary>Parses and normalises, adding <c>:latest</c> when neither tag nor digest is given (Docker's rule for
    /// <c>docker pull busybox</c>, <c>docker tag</c>, <c>docker rmi</c>).</summary>
    public static Reference Parse(string value) => ParseNormalized(value).WithDefaultTag();

    public static bool TryParse(string value, out Reference reference, out string error)
    {
        try
        {
            reference = Parse(value);
            error = "";
            return true;
        }
        catch (FormatException e)
        {
            reference = null!;
            error = e.Message;
            return false;
        }
    }

    public Reference WithDefaultTag() => Tag is null && Digest is null ? new Reference(Domain, Path, DefaultTag, null) : this;

    /// <summary>Parses and normalises without adding a default tag.</summary>
    public static Reference ParseNormalized(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0) throw Invalid(value, "empty reference");
        if (Digest64Regex().IsMatch(value))
            throw new FormatException($"invalid repository name ({value}), cannot specify 64-byte hexadecimal strings");

        // Split off the domain the way Docker does: the first component is a registry only if it
        // looks like one (has '.' or ':', or is "localhost", or has upper case letters).
        string domain, remainder;
        int slash = value.IndexOf('/');
        var first = slash < 0 ? "" : value[..slash];
        if (slash < 0 || (first.IndexOfAny(['.', ':']) < 0 && first != "localhost" && first.ToLowerInvariant() == first))
        {
            domain = DefaultDomain;
            remainder = value;
        }
        else
        {
            domain = first;
            remainder = value[(slash + 1)..];
        }
        if (domain == LegacyDefaultDomain) domain = DefaultDomain;
        if (domain == DefaultDomain && remainder.IndexOf('/') < 0) remainder = OfficialRepoPrefix + remainder;

        // Digest, then tag (the tag's ':' is after the last '/').
        Digest? digest = null;
        int at = remainder.IndexOf('@');
        if (at >= 0)
        {
            var d = remainder[(at + 1)..];
            if (!Image.Digest.TryParse(d, out var parsed, out var why)) throw Invalid(value, $"invalid digest: {why}");
            digest = parsed;
            remainder = remainder[..at];
        }
        string? tag = null;
        int colon = remainder.LastIndexOf(':');
        if (colon >= 0 && colon > remainder.LastIndexOf('/'))
        {
            tag = remainder[(colon + 1)..];
            remainder = remainder[..colon];
            if (!TagRegex().IsMatch(tag)) throw Invalid(value, $"invalid tag \"{tag}\"");
        }

        if (remainder.ToLowerInvariant() != remainder)
            throw new FormatException($"invalid reference format: repository name ({remainder}) must be lowercase");
        if (!DomainRegex().IsMatch(domain)) throw Invalid(value, $"invalid registry \"{domain}\"");
        foreach (var component in remainder.Split('/'))
            if (!PathComponentRegex().IsMatch(component)) throw Invalid(value, $"invalid repository path component \"{component}\"");
        var name = domain + "/" + remainder;
        if (name.Length > MaxNameLength) throw Invalid(value, $"repository name must not be more than {MaxNameLength} characters");
        return new Reference(domain, remainder, tag, digest);
    }

    private static FormatException Invalid(string value, string why) => new($"invalid reference format \"{value}\": {why}");

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex Digest64Regex();

    [GeneratedRegex(@"^[\w][\w.-]{0,127}$")]
    private static partial Regex TagRegex();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$")]
    private static partial Regex PathComponentRegex();

    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")]
    private static partial Regex DomainRegex();
}
