using Quai.Fs;
using Quai.Interop;
using System.Formats.Tar;
using Quai.Images.Gc;
using Quai.Images.Layers;
using Quai.Oci.Image;

namespace Quai.Images.Archives;

/// <summary>One image loaded from an archive: its ID and the names it was given.</summary>
public sealed record LoadedImage(string Id, IReadOnlyList<Reference> Tags);

/// <summary>Reads docker-archive (Docker's, podman's, skopeo's <c>manifest.json</c>), OCI image layouts
/// (directory or tar, from skopeo, umoci, Docker 25+) in one streaming pass: every blob goes straight into the
/// content store, verified against its name when the name is a digest; small JSON files stay in memory.
/// Entry names are checked like layer paths, so a hostile archive is refused before anything is recorded.</summary>
internal sealed class ArchiveLoader(ImageStore store, Lease lease)
{
    private const long MaxJsonSize = 16 << 20;
    private readonly Dictionary<string, byte[]> _json = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Digest> _files = new(StringComparer.Ordinal);

    public List<LoadedImage> LoadTar(Stream input, Platform? platform)
    {
        using var source = LayerCompression.Decompress(input.CanSeek ? input : new BufferedStream(input, 1 << 16), out _);
        using var reader = new TarReader(source, leaveOpen: true);
        while (true)
        {
            TarEntry? entry;
            try { entry = reader.GetNextEntry(copyData: false); }
            catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException)
            {
                throw new TarFormatException($"archive is not a valid tar file: {e.Message}", e);
            }
            if (entry is null) break;
            var name = TarPath.Clean(entry.Name, "archive entry");
            if (entry.EntryType is TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes || name.Length == 0) continue;
            if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            {
                // Docker writes duplicate layers as links to the first copy.
                var target = entry.EntryType == TarEntryType.SymbolicLink
                    ? TarPath.ResolveRelative(TarPath.Split(name).Parent, entry.LinkName, $"archive entry \"{entry.Name}\": link target")
                    : TarPath.Clean(entry.LinkName, $"archive entry \"{entry.Name}\": link target");
                if (_files.TryGetValue(target, out var d)) _files[name] = d;
                else if (_json.TryGetValue(target, out var j)) _json[name] = j;
                continue;
            }
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
                throw new TarFormatException($"archive entry \"{entry.Name}\": unexpected entry type {entry.EntryType}");
            Ingest(name, entry.DataStream ?? Stream.Null, entry.Length);
        }
        return Finish(platform);
    }

    /// <summary>Loads an OCI layout or an unpacked docker-archive from a directory. The directory is walked from its
    /// descriptor without following symlinks (<see cref="TreeWalk"/>): a layout that holds a symlink, a device or a
    /// FIFO is refused, so no host file outside it can become a blob, and nothing can block the load.</summary>
    public List<LoadedImage> LoadDirectory(string dir, Platform? platform)
    {
        var fd = NativeFs.TryOpenAt(NativeFs.AT_FDCWD, dir, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0);
        if (fd < 0) throw new ErrnoException($"open {dir}", -fd);
        using var root = new SafeFd(fd);
        TreeWalk.Walk(root.Fd, dir, (string rel, int entry, in NativeFs.Stat st) =>
        {
            if (st.IsDir) return;
            if (st.Type == NativeFs.S_IFLNK) throw new TarFormatException($"{Path.Combine(dir, rel)}: symbolic links are not allowed in an image layout");
            if (st.Type != NativeFs.S_IFREG) throw new TarFormatException($"{Path.Combine(dir, rel)}: not a regular file");
            // reopened through the O_PATH descriptor: the inode just checked, whatever the path names now
            var rfd = NativeFs.OpenAt(NativeFs.AT_FDCWD, $"/proc/self/fd/{entry}", NativeFs.O_RDONLY | NativeFs.O_NONBLOCK, 0, Path.Combine(dir, rel));
            using var f = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(rfd, ownsHandle: true), FileAccess.Read, 1 << 16);
            using var data = new FixedLengthStream(f, st.Size);
            Ingest(rel, data, st.Size);
        });
        return Finish(platform);
    }

    private void Ingest(string name, Stream data, long length)
    {
        // Legacy (v1) per-layer metadata in docker-archives: not needed, not stored.
        if (name.EndsWith("/json", StringComparison.Ordinal) || name.EndsWith("/VERSION", StringComparison.Ordinal)) return;
        Digest? expected = null;
        if (name.StartsWith("blobs/sha256/", StringComparison.Ordinal))
        {
            var hex = name["blobs/sha256/".Length..];
            if (!Digest.IsHex(hex, 64)) throw new TarFormatException($"archive entry \"{name}\": not a valid blob name");
            expected = Digest.FromHex(hex);
        }
        bool json = expected is null && length <= MaxJsonSize && (name.EndsWith(".json", StringComparison.Ordinal) || name is "oci-layout" or "repositories");
        if (json)
        {
            var bytes = new byte[length];
            data.ReadExactly(bytes);
            _json[name] = bytes;
            return;
        }
        var (digest, _) = store.Content.Ingest(data, expected, length, $"archive entry \"{name}\"", d => lease.Add(Lease.Blob, d.ToString()));
        _files[name] = digest;
    }

    private byte[] Json(string name, string what)
    {
        if (_json.TryGetValue(name, out var b)) return b;
        if (_files.TryGetValue(name, out var d)) return store.Content.ReadAll(d);
        throw new InvalidDataException($"archive: {what} \"{name}\" is missing");
    }

    private Digest StoreJson(string name, string what)
    {
        if (_files.TryGetValue(name, out var d)) return d;
        return store.Content.Ingest(Json(name, what), $"archive entry \"{name}\"", x => lease.Add(Lease.Blob, x.ToString())).Digest;
    }

    private List<LoadedImage> Finish(Platform? platform)
    {
        if (_json.ContainsKey("index.json") || _files.ContainsKey("index.json")) return FinishOci(platform);
        if (_json.ContainsKey("manifest.json")) return FinishDocker(platform);
        throw new InvalidDataException("archive has neither manifest.json (docker-archive) nor index.json (OCI layout)");
    }

    private List<LoadedImage> FinishOci(Platform? platform)
    {
        var index = ImageJson.ParseIndex(Json("index.json", "OCI index"), "archive index.json");
        // Docker's archives name images in manifest.json; keep those names when the index carries none.
        var dockerNames = new Dictionary<string, List<string>>();
        if (_json.ContainsKey("manifest.json"))
        {
            var entries = ImageJson.Parse(Json("manifest.json", "manifest"), Oci.Image.ImageJsonContext.Default.ListDockerArchiveManifestEntry, "archive manifest.json");
            foreach (var e in entries) dockerNames[e.Config] = e.RepoTags ?? [];
        }
        var result = new List<LoadedImage>();
        foreach (var desc in index.Manifests)
        {
            var tags = new List<Reference>();
            if (desc.Annotations?.GetValueOrDefault(Annotations.ContainerdImageName) is { } full && TryRef(full) is { } r1) tags.Add(r1);
            else if (desc.Annotations?.GetValueOrDefault(Annotations.RefName) is { } refName && (refName.Contains('/') || refName.Contains(':')) && TryRef(refName) is { } r2) tags.Add(r2);
            if (tags.Count == 0 && MediaTypes.IsManifest(desc.MediaType) && store.Content.Exists(desc.ParsedDigest))
            {
                var m = ImageJson.ParseManifest(store.Content.ReadAll(desc.ParsedDigest), $"manifest {desc.Digest}");
                if (dockerNames.TryGetValue("blobs/sha256/" + m.Config.ParsedDigest.Hex, out var names))
                    tags.AddRange(names.Select(TryRef).OfType<Reference>());
            }
            var rec = store.Register(lease, desc, tags, platform);
            result.Add(new LoadedImage(rec.Id, tags));
        }
        return result;
    }

    private List<LoadedImage> FinishDocker(Platform? platform)
    {
        var entries = ImageJson.Parse(Json("manifest.json", "manifest"), Oci.Image.ImageJsonContext.Default.ListDockerArchiveManifestEntry, "archive manifest.json");
        var result = new List<LoadedImage>();
        foreach (var e in entries)
        {
            var what = $"manifest.json entry for {e.Config}";
            var configName = TarPath.Clean(e.Config, "manifest.json config");
            var configDigest = StoreJson(configName, "image config");
            var configBytes = store.Content.ReadAll(configDigest);
            var config = ImageJson.ParseConfig(configBytes, $"image config {configName}");
            if (config.RootFs.DiffIds.Count != e.Layers.Count)
                throw new InvalidDataException($"{what}: {e.Layers.Count} layers but the config lists {config.RootFs.DiffIds.Count} diff_ids");
            var manifest = new Manifest
            {
                MediaType = MediaTypes.OciManifest,
                Config = Descriptor.For(MediaTypes.OciConfig, configDigest, configBytes.Length),
            };
            foreach (var layerName in e.Layers.Select(l => TarPath.Clean(l, "manifest.json layer")))
            {
                if (!_files.TryGetValue(layerName, out var ld)) throw new InvalidDataException($"{what}: layer \"{layerName}\" is not in the archive");
                var compression = LayerCompression.Detect(store.Content.BlobPath(ld));
                manifest.Layers.Add(Descriptor.For(MediaTypes.OciLayerFor(compression), ld, store.Content.Size(ld)));
            }
            var manifestBytes = ImageJson.Serialize(manifest, Oci.Image.ImageJsonContext.Default.Manifest);
            var (md, msize) = store.Content.Ingest(manifestBytes, "generated manifest", d => lease.Add(Lease.Blob, d.ToString()));
            var tags = (e.RepoTags ?? []).Select(t => TryRef(t) ?? throw new InvalidDataException($"{what}: invalid RepoTag \"{t}\"")).ToList();
            var rec = store.Register(lease, Descriptor.For(MediaTypes.OciManifest, md, msize), tags, platform);
            result.Add(new LoadedImage(rec.Id, tags));
        }
        return result;
    }

    private static Reference? TryRef(string s)
    {
        try { return Reference.Parse(s); } catch (FormatException) { return null; }
    }
}
