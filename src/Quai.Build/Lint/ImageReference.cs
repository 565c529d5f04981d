using System.Text.RegularExpressions;

namespace Quai.Build.Lint;

/// <summary>The image reference grammar of distribution/reference (as ParseNormalizedNamed accepts it).</summary>
internal static partial class ImageReference
{
    // [domain[:port]/]path-component(/path-component)*[:tag][@digest]
    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")]
    private static partial Regex Reference();

    /// <summary>True when <paramref name="reference"/> is a valid image reference (lower-case repository, optional tag and digest).</summary>
    public static bool IsValid(string reference) => reference.Length is > 0 and <= 255 + 140 && Reference().IsMatch(reference);

    /// <summary>The repository and tag of a reference: (name, tag or null, digest or null).</summary>
    public static (string Name, string? Tag, string? Digest) Split(string reference)
    {
        string? digest = null;
        int at = reference.IndexOf('@');
        if (at >= 0) { digest = reference[(at + 1)..]; reference = reference[..at]; }
        int slash = reference.LastIndexOf('/'), colon = reference.LastIndexOf(':');
        if (colon > slash) return (reference[..colon], reference[(colon + 1)..], digest);
        return (reference, null, digest);
    }
}
