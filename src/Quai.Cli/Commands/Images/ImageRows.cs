using System.Text.Json;
using Quai.Cli.Output;
using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Cli.Commands.Images;

/// <summary>One line of <c>images</c>, with Docker's --format field names.</summary>
internal sealed record ImageRow(ImageRecord Image, string Repository, string Tag, int Containers)
{
    public string Digest => Repository == "<none>" ? "<none>" : Image.ManifestDigest;

    public string Id(bool noTrunc) => noTrunc ? Image.Id : Oci.Image.Digest.Parse(Image.Id).Short;

    public JsonElement ToJson(bool noTrunc)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("Containers", Containers == 0 ? "N/A" : Containers.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("CreatedAt", Image.Created?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss '+0000 UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "");
            w.WriteString("CreatedSince", Units.Ago(Image.Created));
            w.WriteString("Digest", Digest);
            w.WriteString("ID", Id(noTrunc));
            w.WriteString("Repository", Repository);
            w.WriteString("SharedSize", "N/A");
            w.WriteString("Size", Units.HumanSize(Image.Size));
            w.WriteString("Tag", Tag);
            w.WriteString("UniqueSize", "N/A");
            w.WriteString("VirtualSize", Units.HumanSize(Image.Size));
            w.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }

    public static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string>
    {
        ["Repository"] = "REPOSITORY", ["Tag"] = "TAG", ["ID"] = "IMAGE ID", ["Digest"] = "DIGEST",
        ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["Size"] = "SIZE", ["Containers"] = "CONTAINERS",
        ["SharedSize"] = "SHARED SIZE", ["UniqueSize"] = "UNIQUE SIZE", ["VirtualSize"] = "SIZE",
    };

    /// <summary>Splits a stored full tag name into Docker's REPOSITORY and TAG columns.</summary>
    public static (string Repository, string Tag) Split(string fullName)
    {
        var r = Reference.Parse(fullName);
        return (r.FamiliarRepository, r.Tag ?? "<none>");
    }
}
