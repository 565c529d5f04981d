using System.Text.Json;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Files;
using Quai.Fs;
using Quai.Images.Archives;
using Quai.Oci.Image;

namespace Quai.Build.Executor;

public enum OutputType { Image, Docker, Oci, Local, Tar }

/// <summary><c>--output</c>/<c>-o</c> as BuildKit reads it: <c>type=image</c> (the default: an image in the store),
/// <c>type=docker,dest=FILE</c> (a docker-archive, what <c>load</c> reads; without dest the same as image),
/// <c>type=oci,dest=FILE</c> (an OCI layout tar), <c>type=local,dest=DIR</c> (the final stage's files),
/// <c>type=tar,dest=FILE</c> (those files as a tar); <c>-o DIR</c> is local, <c>-o -</c> a tar on stdout, and
/// <c>dest=-</c> is stdout for the archive types. Local and tar make no image: nothing is tagged.</summary>
public sealed record BuildOutput(OutputType Type, string? Dest, IReadOnlyList<string> Names)
{
    /// <summary>The build's result is an image in the store (tagged with -t), whatever else is written.</summary>
    public bool KeepsImage => Type is OutputType.Image or OutputType.Docker or OutputType.Oci;
    public bool ToStdout => Dest == "-";

    public static BuildOutput Default { get; } = new(OutputType.Image, null, []);

    /// <summary>Parses the -o values; an error says what is wrong in BuildKit's words.</summary>
    public static BuildOutput Parse(IReadOnlyList<string> specs)
    {
        if (specs.Count == 0) return Default;
        if (specs.Count > 1) throw new ArgumentException("multiple outputs are not supported yet: give one --output");
        var spec = specs[0];
        if (spec.Length == 0) throw new ArgumentException("invalid output: empty");
        if (!spec.Contains('=') && !spec.Contains(','))
            return spec == "-" ? new BuildOutput(OutputType.Tar, "-", []) : new BuildOutput(OutputType.Local, spec, []);
        var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in spec.Split(','))
        {
            var eq = field.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"invalid output field \"{field}\": expected key=value");
            attrs[field[..eq].Trim().ToLowerInvariant()] = field[(eq + 1)..].Trim();
        }
        if (!attrs.TryGetValue("type", out var type)) throw new ArgumentException($"invalid output \"{spec}\": type is required (type=image|docker|oci|local|tar)");
        attrs.TryGetValue("dest", out var dest);
        if (dest is { Length: 0 }) dest = null;
        IReadOnlyList<string> names = attrs.TryGetValue("name", out var n) && n.Length > 0 ? [n] : [];
        if (attrs.TryGetValue("push", out var push) && push is "true" or "1")
            throw new ArgumentException("output push=true is not supported yet: there is no registry client");
        foreach (var k in attrs.Keys)
            if (k is not ("type" or "dest" or "name" or "push" or "compression" or "oci-mediatypes" or "tar"))
                throw new ArgumentException($"output type={type}: unknown attribute \"{k}\"");
        OutputType t = type switch
        {
            "image" or "moby" => OutputType.Image,
            "docker" => OutputType.Docker,
            "oci" => OutputType.Oci,
            "local" => OutputType.Local,
            "tar" => OutputType.Tar,
            "registry" => throw new ArgumentException("output type=registry is not supported yet: there is no registry client; use type=docker,dest=FILE and load it"),
            "cacheonly" => throw new ArgumentException("output type=cacheonly is not supported yet"),
            _ => throw new ArgumentException($"unsupported output type \"{type}\": expected image, docker, oci, local or tar"),
        };
        if (t == OutputType.Image && dest is not null) throw new ArgumentException("output type=image takes no dest");
        if (t == OutputType.Docker && dest is null) t = OutputType.Image; // buildx: loaded into the engine's images
        if (t is OutputType.Oci or OutputType.Local or OutputType.Tar && dest is null)
            throw new ArgumentException($"output type={type} needs dest=PATH (or dest=- for stdout)");
        if (t == OutputType.Local && dest == "-") t = OutputType.Tar;
        return new BuildOutput(t, dest, names);
    }

    /// <summary>What the exporting step is called in the progress, as BuildKit names it.</summary>
    public string StepName => Type switch
    {
        OutputType.Image => "exporting to image",
        OutputType.Docker => "exporting to docker image format",
        OutputType.Oci => "exporting to oci image format",
        OutputType.Local => "exporting to client directory",
        _ => "exporting to client tarball",
    };

    /// <summary>Writes the build's result <paramref name="imageId"/> where this output says (nothing more for
    /// type=image). Archives are written next to their destination and renamed, so a failure leaves no half file;
    /// <paramref name="stdout"/> is opened only for dest=-.</summary>
    public void Write(ContainerEngine engine, string imageId, IReadOnlyList<string> tags, Func<Stream> stdout, BuildProgress progress, ProgressStep step)
    {
        switch (Type)
        {
            case OutputType.Image:
                return;
            case OutputType.Docker or OutputType.Oci:
                var names = tags.Count > 0 ? tags : [imageId];
                var format = Type == OutputType.Oci ? ArchiveFormat.Oci : ArchiveFormat.Docker;
                ToFile(stdout, s => engine.Images.Save(names, s, format));
                progress.Status(step, "sending tarball done");
                return;
            case OutputType.Tar:
                ToFile(stdout, s => ExportImage(engine, imageId, s));
                progress.Status(step, "sending tarball done");
                return;
            case OutputType.Local:
                var dir = Path.GetFullPath(Dest!);
                Directory.CreateDirectory(dir);
                long bytes = 0;
                Quai.Fs.ArchivePipe.Pump(w => ExportImage(engine, imageId, w),
                     r => bytes = TarExtractor.Extract(r, dir, new ExtractOptions { SkipDevices = true, What = "exported file" }).FileBytes);
                progress.Status(step, $"copying files {Quai.Build.Executor.Units.Human(bytes)} done");
                return;
        }
    }

    private void ToFile(Func<Stream> stdout, Action<Stream> write)
    {
        if (ToStdout)
        {
            using var s = stdout();
            write(s);
            s.Flush();
            return;
        }
        var full = Path.GetFullPath(Dest!);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(f);
                f.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally { File.Delete(temp); }
    }

    /// <summary>The image's files as a tar, exactly its layers (no container, so none of the mountpoints a
    /// container gets): its committed snapshot mounted read-only in a private mount namespace, reached through a
    /// descriptor and walked by <see cref="TreeArchiver"/>, as export walks a container's.</summary>
    private static void ExportImage(ContainerEngine engine, string imageId, Stream output)
    {
        var rec = engine.Images.Find(imageId);
        var where = $"image {rec.Id[7..19]}";
        if (rec.TopChain is null)
        {
            using var empty = new System.Formats.Tar.TarWriter(output, leaveOpen: true); // no layers: no files
            return;
        }
        var mounts = engine.Images.Snapshotter.Mounts(rec.TopChain);
        var target = System.IO.Directory.CreateTempSubdirectory("quai-build-output-").FullName;
        try
        {
            var fd = Quai.Images.Snapshots.PrivateMounts.Run($"mount the filesystem of {where}", () =>
            {
                Quai.Images.Snapshots.MountHelper.MountAll(mounts, target);
                var f = Quai.Interop.NativeFs.OpenAt(Quai.Interop.NativeFs.AT_FDCWD, target, Quai.Interop.NativeFs.O_PATH | Quai.Interop.NativeFs.O_DIRECTORY | Quai.Interop.NativeFs.O_NOFOLLOW, 0, target);
                Quai.Interop.NativeFs.TryUmount(target, Quai.Interop.NativeFs.MNT_DETACH); // the descriptor keeps the detached mount alive
                return f;
            });
            using var root = new Quai.Interop.SafeFd(fd);
            TreeArchiver.Write(root.Fd, "/", "", output, new ArchiveOptions(), where);
        }
        finally { System.IO.Directory.Delete(target); }
    }


    /// <summary><c>--metadata-file</c>: BuildKit's JSON for an image result (<c>containerimage.digest</c>: the
    /// manifest, <c>containerimage.config.digest</c>, <c>containerimage.descriptor</c>, <c>image.name</c>), and
    /// an empty object for local and tar outputs, as BuildKit writes.</summary>
    public static byte[] Metadata(Quai.Images.ImageStore store, string? imageId, IReadOnlyList<string> tags)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (imageId is not null)
            {
                var rec = store.Find(imageId);
                w.WriteString("containerimage.config.digest", rec.ConfigDigest);
                w.WriteStartObject("containerimage.descriptor");
                w.WriteString("mediaType", rec.TargetMediaType);
                w.WriteString("digest", rec.TargetDigest);
                w.WriteNumber("size", rec.TargetSize);
                w.WriteEndObject();
                w.WriteString("containerimage.digest", rec.ManifestDigest);
                if (tags.Count > 0) w.WriteString("image.name", string.Join(',', tags.Select(t => Reference.ParseNormalized(t).ToString())));
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

internal static class Units
{
    /// <summary>Docker's human sizes (units of 1000, as BuildKit's progress prints them).</summary>
    public static string Human(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double v = bytes;
        int i = 0;
        while (v >= 1000 && i < units.Length - 1) { v /= 1000; i++; }
        return i == 0 ? $"{bytes}B" : v.ToString(v < 10 ? "0.##" : "0.#", System.Globalization.CultureInfo.InvariantCulture) + units[i];
    }
}
