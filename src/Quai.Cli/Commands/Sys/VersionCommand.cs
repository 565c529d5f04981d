using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Quai.Cli.Output;
using Quai.Templates.Values;

namespace Quai.Cli.Commands.Sys;

/// <summary><c>quai version</c>: Docker's Client and Server sections. Quai has no daemon, so the server is this
/// same binary (the engine and its built-in runtime); <c>--format</c> sees Docker's <c>types.Version</c> fields
/// (<c>{{.Client.Version}}</c>, <c>{{.Server.APIVersion}}</c>, <c>{{json .}}</c>).</summary>
public static class VersionCommand
{
    public static Command Create(CliContext cli)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template ('json', 'TEMPLATE')" };
        var cmd = new Command("version", "Show the Quai version information") { format };
        cmd.SetAction(p =>
        {
            var json = Document();
            var f = p.GetValue(format);
            if (f is null) { cli.Out.Write(Pretty(json)); return 0; }
            if (f == "json") { cli.Out.WriteLine(GoJson(json)); return 0; }
            return RenderTemplate(cli, f, JsonValues.Typed(json, Shape));
        });
        return cmd;
    }

    /// <summary>Executes a user template over <paramref name="data"/> as docker's version/info do: a parse error is
    /// "template parsing error: …", exit 1; the output ends with a newline.</summary>
    public static int RenderTemplate(CliContext cli, string format, object? data)
    {
        Quai.Templates.Template t;
        try { t = Quai.Templates.Template.Parse(format); }
        catch (Quai.Templates.Exec.TemplateException e) { cli.Err.WriteLine("template parsing error: " + e.Message); return 1; }
        try { cli.Out.WriteLine(t.Execute(data)); }
        catch (Quai.Templates.Exec.TemplateException e) { cli.Err.WriteLine(e.Message); return 1; }
        return 0;
    }

    public static string GoJson(JsonElement e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Quai.Templates.Formatting.GoJsonEncoder.Writer())) e.WriteTo(w);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static readonly JsonShape Shape = new()
    {
        Maps = ["Server.Components[].Details"],
        StringMaps = ["Server.Components[].Details"],
        GoNames = new() { ["ApiVersion"] = "APIVersion" },
        Types = new()
        {
            [""] = "types.VersionResponse", ["Client"] = "*version.clientVersion", ["Server"] = "*types.Version",
            ["Client.Platform"] = "struct { Name string }", ["Server.Platform"] = "struct { Name string }",
            ["Server.Components[]"] = "types.ComponentVersion",
        },
    };

    public static string KernelVersion()
    {
        try { return File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); }
        catch (IOException) { return ""; }
    }

    /// <summary>Docker's version JSON (the client's and the daemon's <c>/version</c>).</summary>
    public static JsonElement Document()
    {
        var built = BuildInfo.Built;
        var clientBuilt = built.ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture);
        var serverBuilt = built.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff00'+00:00'", CultureInfo.InvariantCulture);
        var kernel = KernelVersion();
        return TemplateOutput.ToElement(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("Client");
            w.WriteStartObject("Platform"); w.WriteString("Name", "Quai"); w.WriteEndObject();
            w.WriteString("Version", BuildInfo.Version);
            w.WriteString("ApiVersion", BuildInfo.ApiVersion);
            w.WriteString("DefaultAPIVersion", BuildInfo.ApiVersion);
            w.WriteString("GitCommit", BuildInfo.GitCommit);
            w.WriteString("GoVersion", BuildInfo.Runtime);
            w.WriteString("Os", BuildInfo.Os);
            w.WriteString("Arch", BuildInfo.Arch);
            w.WriteString("BuildTime", clientBuilt);
            w.WriteString("Context", "default");
            w.WriteEndObject();
            w.WriteStartObject("Server");
            w.WriteStartObject("Platform"); w.WriteString("Name", "Quai"); w.WriteEndObject();
            w.WriteStartArray("Components");
            w.WriteStartObject();
            w.WriteString("Name", "Engine");
            w.WriteString("Version", BuildInfo.Version);
            w.WriteStartObject("Details");
            w.WriteString("ApiVersion", BuildInfo.ApiVersion);
            w.WriteString("Arch", BuildInfo.Arch);
            w.WriteString("BuildTime", serverBuilt);
            w.WriteString("Experimental", "false");
            w.WriteString("GitCommit", BuildInfo.GitCommit);
            w.WriteString("GoVersion", BuildInfo.Runtime);
            w.WriteString("KernelVersion", kernel);
            w.WriteString("MinAPIVersion", BuildInfo.MinApiVersion);
            w.WriteString("Os", BuildInfo.Os);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("Name", "quai-runtime");
            w.WriteString("Version", BuildInfo.Version);
            w.WriteStartObject("Details"); w.WriteString("GitCommit", BuildInfo.GitCommit); w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("Version", BuildInfo.Version);
            w.WriteString("ApiVersion", BuildInfo.ApiVersion);
            w.WriteString("MinAPIVersion", BuildInfo.MinApiVersion);
            w.WriteString("GitCommit", BuildInfo.GitCommit);
            w.WriteString("GoVersion", BuildInfo.Runtime);
            w.WriteString("Os", BuildInfo.Os);
            w.WriteString("Arch", BuildInfo.Arch);
            w.WriteString("KernelVersion", kernel);
            w.WriteString("BuildTime", serverBuilt);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>docker-cli's default version template through its tabwriter (minwidth 20, padding 1).</summary>
    private static string Pretty(JsonElement v)
    {
        var sb = new System.Text.StringBuilder();
        void Line(string label, string value) => sb.Append(label.PadRight(19)).Append(' ').Append(value).Append('\n');
        var c = v.GetProperty("Client");
        sb.Append("Client: ").Append(c.GetProperty("Platform").GetProperty("Name").GetString()).Append('\n');
        Line(" Version:", c.GetProperty("Version").GetString()!);
        Line(" API version:", c.GetProperty("ApiVersion").GetString()!);
        Line(" Go version:", c.GetProperty("GoVersion").GetString()!);
        Line(" Git commit:", c.GetProperty("GitCommit").GetString()!);
        Line(" Built:", c.GetProperty("BuildTime").GetString()!);
        Line(" OS/Arch:", $"{c.GetProperty("Os").GetString()}/{c.GetProperty("Arch").GetString()}");
        Line(" Context:", c.GetProperty("Context").GetString()!);
        var s = v.GetProperty("Server");
        sb.Append("\nServer: ").Append(s.GetProperty("Platform").GetProperty("Name").GetString()).Append('\n');
        foreach (var comp in s.GetProperty("Components").EnumerateArray())
        {
            var d = comp.GetProperty("Details");
            string D(string k) => d.TryGetProperty(k, out var x) ? x.GetString() ?? "" : "";
            sb.Append(' ').Append(comp.GetProperty("Name").GetString()).Append(":\n");
            Line("  Version:", comp.GetProperty("Version").GetString()!);
            if (comp.GetProperty("Name").GetString() == "Engine")
            {
                Line("  API version:", $"{D("ApiVersion")} (minimum version {D("MinAPIVersion")})");
                Line("  Go version:", D("GoVersion"));
                Line("  Git commit:", D("GitCommit"));
                Line("  Built:", D("BuildTime"));
                Line("  OS/Arch:", $"{D("Os")}/{D("Arch")}");
                Line("  Experimental:", D("Experimental"));
            }
            else
                foreach (var kv in d.EnumerateObject().OrderBy(k => k.Name, StringComparer.Ordinal))
                    Line($"  {kv.Name}:", kv.Value.GetString() ?? "");
        }
        return sb.ToString();
    }
}
