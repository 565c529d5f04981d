using System.CommandLine;
using System.Text.Json;
using Quai.Cli.Output;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Cli.Commands.Images;

/// <summary><c>image inspect</c>: Docker's JSON shape (Id, RepoTags, RepoDigests, Config, RootFS…).</summary>
public static class InspectCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a Go template" };
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command(name, "Display detailed information on one or more images") { format, images };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var docs = new List<JsonElement>();
            int rc = 0;
            foreach (var n in p.GetValue(images)!)
            {
                var rec = store.TryFind(n);
                if (rec is null) { cli.Err.WriteLine($"Error: No such image: {n}"); rc = 1; continue; }
                docs.Add(Build(store, store.Describe(rec)));
            }
            var fmt = p.GetValue(format);
            if (fmt is null or "" or "json") { TemplateOutput.InspectJson(cli, docs, compact: fmt == "json"); return rc; }
            var errors = new List<string>();
            var r = TemplateOutput.Inspect(cli, fmt, docs.Select(d => (d, InspectShapes.Image)), errors);
            foreach (var e in errors) cli.Err.WriteLine(e);
            return rc != 0 ? rc : r;
        }));
        return cmd;
    }

    internal static JsonElement Build(ImageStore store, ResolvedImage image)
    {
        var rec = image.Record;
        var c = image.Config;
        return TemplateOutput.ToElement(w =>
        {
            w.WriteStartObject();
            w.WriteString("Id", rec.Id);
            w.WriteStartArray("RepoTags");
            foreach (var t in image.Tags) w.WriteStringValue(Reference.Parse(t).ToFamiliarString());
            w.WriteEndArray();
            w.WriteStartArray("RepoDigests");
            // what it was pulled or pushed as, familiar as Docker prints them (busybox@sha256:…, host:5000/app@sha256:…)
            foreach (var d in store.RepoDigests(rec.Id)) w.WriteStringValue(Reference.ParseNormalized(d).ToFamiliarString());
            w.WriteEndArray();
            w.WriteString("Parent", "");
            w.WriteString("Comment", c.Comment ?? c.History?.LastOrDefault()?.Comment ?? "");
            w.WriteString("Created", c.Created is { } cr ? cr.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture) : "");
            w.WriteString("DockerVersion", c.DockerVersion ?? "");
            w.WriteString("Author", c.Author ?? "");
            w.WritePropertyName("Config");
            if (c.Config is null) w.WriteNullValue();
            else JsonSerializer.Serialize(w, c.Config, ImageJson.Relaxed.ContainerConfig);
            w.WriteString("Architecture", c.Architecture);
            if (c.Variant is not null) w.WriteString("Variant", c.Variant);
            w.WriteString("Os", c.Os);
            w.WriteNumber("Size", rec.Size);
            w.WriteStartObject("GraphDriver");
            w.WriteStartObject("Data");
            w.WriteString("Snapshotter", store.Snapshotter.Name);
            if (rec.TopChain is not null) w.WriteString("ChainID", rec.TopChain);
            w.WriteEndObject();
            w.WriteString("Name", store.Snapshotter.Name);
            w.WriteEndObject();
            w.WriteStartObject("RootFS");
            w.WriteString("Type", c.RootFs.Type);
            w.WriteStartArray("Layers");
            foreach (var d in c.RootFs.DiffIds) w.WriteStringValue(d);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("Descriptor");
            w.WriteString("mediaType", rec.TargetMediaType);
            w.WriteString("digest", rec.TargetDigest);
            w.WriteNumber("size", rec.TargetSize);
            w.WriteEndObject();
            w.WriteStartObject("Metadata");
            w.WriteString("LastTagTime", rec.Added.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
