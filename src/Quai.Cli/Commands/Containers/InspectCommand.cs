using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Quai.Cli.Output;
using Quai.Engine.Containers;

namespace Quai.Cli.Commands.Containers;

/// <summary>`inspect` / `container inspect`: a JSON array like Docker, or -f with a Go template
/// ({{.State.Status}}, {{.ID}}, {{json .Config}} …).</summary>
public static partial class InspectCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template" };
        var size = new Option<bool>("--size", "-s") { Description = "Display total file sizes" };
        var type = new Option<string?>("--type") { Description = "Only inspect objects of the given type (container)" };
        var targets = new Argument<string[]>("CONTAINER") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command(name, "Display detailed information on one or more containers") { format, size, targets };
        if (name == "inspect") cmd.Add(type);
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var rc = 0;
            var found = new List<Container>();
            foreach (var t in p.GetValue(targets)!)
            {
                try { found.Add(engine.Inspect(t)); }
                catch (NotFoundException)
                {
                    cli.Err.WriteLine($"Error: No such object: {t}");
                    rc = 1;
                }
            }
            if (p.GetValue(format) is { } f)
            {
                var template = new GoTemplate(GoFieldNames(f));
                foreach (var c in found)
                {
                    cli.Out.WriteLine(template.Render(Compact(c)));
                }
            }
            else
            {
                var text = JsonSerializer.Serialize(found, EngineJsonContext.Default.ListContainer);
                cli.Out.WriteLine(found.Count == 0 ? "[]" : text);
            }
            return rc;
        }));
        return cmd;
    }

    /// <summary>Compact JSON for templates: {{json .Config}} prints one line like Docker.</summary>
    public static JsonElement Compact(Container c)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = false }))
            JsonSerializer.Serialize(w, c, EngineJsonContext.Default.Container);
        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }

    [GeneratedRegex(@"\.ID\b")]
    private static partial Regex IdField();

    /// <summary>Go templates see the Go struct (ID); our JSON says "Id" like Docker's API.</summary>
    public static string GoFieldNames(string format) => IdField().Replace(format, ".Id");
}
