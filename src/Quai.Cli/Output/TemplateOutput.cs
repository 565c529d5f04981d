using System.Text.Json;
using Quai.Templates;
using Quai.Templates.Docker;
using Quai.Templates.Exec;
using Quai.Templates.Formatting;
using Quai.Templates.Values;

namespace Quai.Cli.Output;

/// <summary>A <c>--format</c> that does not parse or execute: docker's message, exit 1 (64 for inspect's parse errors).</summary>
public sealed class TemplateOutputException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>How the CLI prints through Go templates, as docker-cli does: list commands (<c>table</c>, <c>json</c>,
/// TEMPLATE over row contexts with Docker's field names), inspect (typed first, then the raw JSON with
/// missingkey=error), and JSON with Go's escaping.</summary>
public static class TemplateOutput
{
    /// <summary>A list command's rows: the header row from <paramref name="headers"/> (docker's header context).</summary>
    public static void WriteList(TextWriter output, string? format, string defaultTable, IEnumerable<object?> rows, IReadOnlyDictionary<string, string> headers)
    {
        OutputFormat f;
        try { f = OutputFormat.Parse(format, defaultTable); }
        catch (TemplateException e) { throw new TemplateOutputException("template parsing error: " + e.Message, 1); }
        var header = new GoMap("map[string]string", "");
        foreach (var (k, v) in headers) header.Add(k, v);
        try { output.Write(f.Render(rows, header)); }
        catch (TemplateException e) { throw new TemplateOutputException("failed to execute template: " + e.Message, 1); }
    }

    /// <summary>A row context (docker's <c>*formatter.ContainerContext</c> …) from a flat JSON object of its fields;
    /// <c>{{json .}}</c> prints that object; <paramref name="labels"/> gives the <c>.Label "key"</c> method.</summary>
    public static GoStruct Row(string typeName, JsonElement fields, IReadOnlyDictionary<string, string>? labels = null)
    {
        var s = new GoStruct(typeName);
        foreach (var p in fields.EnumerateObject())
            s.Add(p.Name, p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Number => p.Value.TryGetInt64(out var l) ? l : p.Value.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => JsonValues.Raw(p.Value),
            });
        var raw = JsonValues.Raw(fields);
        s.JsonView = () => raw;
        if (labels is not null)
            s.Method("Label", a =>
            {
                if (a.Length != 1) throw new ArgumentTypeException($"wrong number of args for Label: want 1 got {a.Length}");
                return labels.TryGetValue(Args.String(a[0]), out var v) ? v : "";
            });
        return s;
    }

    /// <summary>docker-cli's inspect with a template: each object executed as its Go type; when that fails, again over
    /// its raw JSON with missingkey=error (so <c>{{.Id}}</c> and fields Docker's types lack still work). Errors are
    /// collected as docker does; returns the exit code (0, or 1 when any failed).</summary>
    public static int Inspect(CliContext cli, string format, IEnumerable<(JsonElement Json, JsonShape Shape)> items, List<string> errors)
    {
        Template t;
        try { t = Template.Parse(format); }
        catch (TemplateException e) { throw new TemplateOutputException("template parsing error: " + e.Message, 64); }
        var output = new System.Text.StringBuilder();
        foreach (var (json, shape) in items)
        {
            try { output.Append(t.Execute(JsonValues.Typed(json, shape))).Append('\n'); continue; }
            catch (TemplateException) { }
            try { output.Append(t.Execute(JsonValues.Raw(json), missingKeyError: true)).Append('\n'); }
            catch (TemplateException e) { errors.Add("template parsing error: " + e.Message); }
        }
        cli.Out.Write(output.Length == 0 ? "\n" : output.ToString());
        return errors.Count > 0 ? 1 : 0;
    }

    /// <summary>inspect without a template (indented, 4 spaces) or with <c>-f json</c> (compact): one JSON array.</summary>
    public static void InspectJson(CliContext cli, IReadOnlyList<JsonElement> items, bool compact)
    {
        if (items.Count == 0) { cli.Out.WriteLine("[]"); return; }
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, GoJsonEncoder.Writer(indented: !compact, html: true)))
        {
            w.WriteStartArray();
            foreach (var d in items) d.WriteTo(w);
            w.WriteEndArray();
        }
        cli.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>Serialises through a writer with Go's escaping (the shared setting for JSON Quai prints).</summary>
    public static JsonElement ToElement(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, GoJsonEncoder.Writer())) write(w);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }
}
