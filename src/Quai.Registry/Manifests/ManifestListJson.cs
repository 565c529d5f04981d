using System.Text;
using System.Text.Json;
using Quai.Oci.Image;

namespace Quai.Registry.Manifests;

/// <summary>The JSON that <c>docker manifest</c> writes: the manifest list it pushes (distribution's canonical form:
/// <c>schemaVersion</c>, <c>mediaType</c>, <c>manifests</c> of <c>mediaType</c>/<c>size</c>/<c>digest</c>/<c>platform</c>,
/// indented with three spaces), a manifest as <c>inspect</c> prints it (its bytes re-indented with tabs, as Go's
/// <c>json.Indent</c>), and the <c>inspect -v</c> objects (<c>Ref</c>, <c>Descriptor</c>, <c>Raw</c>, then the manifest
/// under <c>SchemaV2Manifest</c> or <c>OCIManifest</c>).</summary>
public static class ManifestListJson
{
    /// <summary>The media type of the list: a Docker manifest list when every entry is a Docker manifest, else an
    /// OCI image index (a Docker list may not reference OCI manifests).</summary>
    public static string MediaTypeFor(IEnumerable<ManifestEntry> entries) =>
        entries.All(e => e.Descriptor.MediaType == MediaTypes.DockerManifest) ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;

    /// <summary>The list body, exactly the bytes that are pushed (and hashed into its digest).</summary>
    public static byte[] Build(IReadOnlyList<ManifestEntry> entries, string mediaType)
    {
        var compact = new MemoryStream();
        using (var w = new Utf8JsonWriter(compact, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", mediaType);
            w.WriteStartArray("manifests");
            foreach (var e in entries)
            {
                var d = e.Descriptor;
                w.WriteStartObject();
                w.WriteString("mediaType", d.MediaType);
                w.WriteNumber("size", d.Size);
                w.WriteString("digest", d.Digest);
                if (d.Urls is { Count: > 0 } urls)
                {
                    w.WriteStartArray("urls");
                    foreach (var u in urls) w.WriteStringValue(u);
                    w.WriteEndArray();
                }
                var p = d.Platform ?? new Platform();
                w.WriteStartObject("platform");
                w.WriteString("architecture", p.Architecture);
                w.WriteString("os", p.Os);
                if (p.OsVersion is { Length: > 0 } v) w.WriteString("os.version", v);
                if (p.OsFeatures is { Count: > 0 } features)
                {
                    w.WriteStartArray("os.features");
                    foreach (var f in features) w.WriteStringValue(f);
                    w.WriteEndArray();
                }
                if (p.Variant is { Length: > 0 } variant) w.WriteString("variant", variant);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Indent(compact.ToArray(), "   ");
    }

    /// <summary><c>docker manifest inspect -v</c> of one entry (an object) or of a list (an array of them), tab-indented.</summary>
    public static byte[] Verbose(ManifestEntry entry) => Indent(Compact(w => WriteEntry(w, entry)), "\t");

    public static byte[] Verbose(IEnumerable<ManifestEntry> entries) => Indent(Compact(w =>
    {
        w.WriteStartArray();
        foreach (var e in entries) WriteEntry(w, e);
        w.WriteEndArray();
    }), "\t");

    private static void WriteEntry(Utf8JsonWriter w, ManifestEntry e)
    {
        w.WriteStartObject();
        w.WriteString("Ref", e.Ref);
        w.WritePropertyName("Descriptor");
        w.WriteRawValue(ImageJson.Serialize(e.Descriptor, ImageJson.Relaxed.Descriptor));
        w.WriteBase64String("Raw", e.Raw);
        w.WritePropertyName(e.Descriptor.MediaType == MediaTypes.DockerManifest ? "SchemaV2Manifest" : "OCIManifest");
        w.WriteRawValue(e.Raw);
        w.WriteEndObject();
    }

    private static byte[] Compact(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(w);
        return buffer.ToArray();
    }

    /// <summary>Go's <c>json.Indent(dst, src, "", indent)</c>: the document's tokens unchanged and in order (strings and
    /// numbers byte for byte), insignificant white space replaced by a newline and one <paramref name="indent"/> per
    /// level, <c>": "</c> after keys, empty objects and arrays kept as <c>{}</c> and <c>[]</c>. The input must be valid
    /// JSON (it is checked first).</summary>
    public static byte[] Indent(ReadOnlySpan<byte> json, string indent)
    {
        var reader = new Utf8JsonReader(json);
        try { while (reader.Read()) { } }
        catch (JsonException e) { throw new InvalidDataException($"invalid JSON: {e.Message}", e); }

        var ind = Encoding.UTF8.GetBytes(indent);
        var output = new List<byte>(json.Length * 2);
        int depth = 0;
        bool inString = false, escaped = false, needIndent = false;
        void Newline(int level)
        {
            output.Add((byte)'\n');
            for (int i = 0; i < level; i++) output.AddRange(ind);
        }
        foreach (var c in json)
        {
            if (inString)
            {
                output.Add(c);
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
                continue;
            }
            if (c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') continue;
            if (needIndent && c is not ((byte)']' or (byte)'}'))
            {
                needIndent = false;
                depth++;
                Newline(depth);
            }
            switch (c)
            {
                case (byte)'"':
                    inString = true;
                    output.Add(c);
                    break;
                case (byte)'{' or (byte)'[':
                    output.Add(c);
                    needIndent = true; // an empty {} or [] stays on one line
                    break;
                case (byte)',':
                    output.Add(c);
                    Newline(depth);
                    break;
                case (byte)':':
                    output.Add(c);
                    output.Add((byte)' ');
                    break;
                case (byte)'}' or (byte)']':
                    if (needIndent) needIndent = false; // empty
                    else
                    {
                        depth--;
                        Newline(depth);
                    }
                    output.Add(c);
                    break;
                default:
                    output.Add(c);
                    break;
            }
        }
        return output.ToArray();
    }
}
