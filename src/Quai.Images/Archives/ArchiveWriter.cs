using System.Formats.Tar;
using Quai.Oci.Image;

namespace Quai.Images.Archives;

public enum ArchiveFormat { Docker, Oci }

/// <summary>Writes images as a tar. Both formats are an OCI image layout (<c>oci-layout</c>, <c>index.json</c>,
/// <c>blobs/sha256/…</c>); the docker format adds Docker's <c>manifest.json</c> and <c>repositories</c>, as
/// Docker 25+ does, so <c>docker load</c> and <c>podman load</c> accept it. Blobs are written as stored.</summary>
internal static class ArchiveWriter
{
    public static void Write(ImageStore store, IReadOnlyList<(ResolvedImage Image, List<Reference> Names)> images, Stream output, ArchiveFormat format)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var written = new HashSet<string>();
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex };
        var dockerEntries = new List<DockerArchiveManifestEntry>();
        var repositories = new Dictionary<string, Dictionary<string, string>>();
        Dir(tar, "blobs/");
        Dir(tar, "blobs/sha256/");

        foreach (var (image, names) in images)
        {
            var rec = image.Record;
            foreach (var digest in store.Metadata.Query("SELECT digest FROM image_blobs WHERE image_id=$i", r => r.GetString(0), null, ("$i", rec.Id)))
                Blob(store, tar, Digest.Parse(digest), written);
            var target = Descriptor.For(rec.TargetMediaType, Digest.Parse(rec.TargetDigest), rec.TargetSize);
            if (names.Count == 0) index.Manifests.Add(target);
            foreach (var n in names)
            {
                index.Manifests.Add(new Descriptor
                {
                    MediaType = target.MediaType, Digest = target.Digest, Size = target.Size,
                    Annotations = new() { [Annotations.ContainerdImageName] = n.ToString(), [Annotations.RefName] = n.Tag ?? "latest" },
                });
                var topLayer = image.Manifest.Layers.LastOrDefault();
                if (topLayer is not null)
                {
                    var repo = n.FamiliarRepository;
                    if (!repositories.TryGetValue(repo, out var tags)) repositories[repo] = tags = [];
                    tags[n.Tag ?? "latest"] = topLayer.ParsedDigest.Hex;
                }
            }
            dockerEntries.Add(new DockerArchiveManifestEntry
            {
                Config = "blobs/sha256/" + Digest.Parse(rec.ConfigDigest).Hex,
                RepoTags = names.Count > 0 ? names.Select(n => n.ToFamiliarString()).ToList() : null,
                Layers = image.Manifest.Layers.Select(l => "blobs/sha256/" + l.ParsedDigest.Hex).ToList(),
            });
        }
        File(tar, "oci-layout", ImageJson.Serialize(new OciLayoutFile(), ImageJsonContext.Default.OciLayoutFile));
        File(tar, "index.json", ImageJson.Serialize(index, ImageJsonContext.Default.ImageIndex));
        if (format == ArchiveFormat.Docker)
        {
            File(tar, "manifest.json", ImageJson.Serialize(dockerEntries, ImageJsonContext.Default.ListDockerArchiveManifestEntry));
            if (repositories.Count > 0)
                File(tar, "repositories", ImageJson.Serialize(repositories, ImageJsonContext.Default.DictionaryStringDictionaryStringString));
        }
    }

    private static void Blob(ImageStore store, TarWriter tar, Digest digest, HashSet<string> written)
    {
        if (!written.Add(digest.Hex) || !store.Content.Exists(digest)) return;
        using var data = store.Content.OpenRead(digest);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "blobs/sha256/" + digest.Hex)
        {
            DataStream = data, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ModificationTime = DateTimeOffset.UnixEpoch,
        });
    }

    private static void Dir(TarWriter tar, string name)
        => tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ED, ModificationTime = DateTimeOffset.UnixEpoch });

    private static void File(TarWriter tar, string name, byte[] content)
        => tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(content), Mode = (UnixFileMode)0x1A4, ModificationTime = DateTimeOffset.UnixEpoch,
        });
}
