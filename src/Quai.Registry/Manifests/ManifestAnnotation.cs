using Quai.Oci.Image;

namespace Quai.Registry.Manifests;

/// <summary>What <c>docker manifest annotate</c> may set on an entry; null or empty leaves a field as it is, features
/// are added (each once).</summary>
public sealed record ManifestAnnotation(string? Os = null, string? Architecture = null, string? OsVersion = null,
    IReadOnlyList<string>? OsFeatures = null, string? Variant = null)
{
    /// <summary>The os/architecture pairs docker accepts (Go's port list, as docker keeps it, with the Linux and
    /// Windows ports Go added since: loong64, mips, mipsle, ppc64, windows/arm64).</summary>
    private static readonly HashSet<string> ValidOsArch =
    [
        "darwin/386", "darwin/amd64", "darwin/arm", "darwin/arm64", "dragonfly/amd64",
        "freebsd/386", "freebsd/amd64", "freebsd/arm",
        "linux/386", "linux/amd64", "linux/arm", "linux/arm64", "linux/loong64", "linux/mips", "linux/mipsle", "linux/mips64",
        "linux/mips64le", "linux/ppc64", "linux/ppc64le", "linux/riscv64", "linux/s390x",
        "netbsd/386", "netbsd/amd64", "netbsd/arm", "openbsd/386", "openbsd/amd64", "openbsd/arm",
        "plan9/386", "plan9/amd64", "solaris/amd64", "windows/386", "windows/amd64", "windows/arm64",
    ];

    public static bool IsValidOsArch(string os, string architecture) => ValidOsArch.Contains($"{os}/{architecture}");

    /// <summary>Applies the annotation to the entry of <paramref name="manifest"/> in the local list <paramref name="list"/>;
    /// <paramref name="listName"/> and <paramref name="manifestName"/> are the names as the user typed them (docker's
    /// messages quote them so).</summary>
    public void ApplyTo(ManifestListStore lists, Reference list, Reference manifest, string listName, string manifestName)
    {
        if (lists.TryGet(list)?.Find(manifest) is null) throw NotInList(listName, manifestName);
        lists.Update(list, current =>
        {
            var entry = current?.Find(manifest) ?? throw NotInList(listName, manifestName);
            var p = entry.Descriptor.Platform ??= new Platform();
            if (!string.IsNullOrEmpty(Os)) p.Os = Os;
            if (!string.IsNullOrEmpty(Architecture)) p.Architecture = Architecture;
            foreach (var f in OsFeatures ?? [])
            {
                p.OsFeatures ??= [];
                if (!p.OsFeatures.Contains(f)) p.OsFeatures.Add(f);
            }
            if (!string.IsNullOrEmpty(Variant)) p.Variant = Variant;
            if (!string.IsNullOrEmpty(OsVersion)) p.OsVersion = OsVersion;
            if (!IsValidOsArch(p.Os, p.Architecture))
                throw new ManifestException($"manifest entry for image has unsupported os/arch combination: {p.Os}/{p.Architecture}");
            return current;
        });
    }

    private static ManifestException NotInList(string listName, string manifestName) =>
        new($"manifest for image {manifestName} does not exist in {listName}");
}
