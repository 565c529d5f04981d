using Quai.Runtime;
using System.CommandLine;
using System.Text.Json;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cli.Commands;

public static class ListCommand
{
    public static Command Build()
    {
        var cmd = new Command("list", "lists containers started by quai-runtime with the given root");
        cmd.Aliases.Add("ls");
        var format = new Option<string>("--format", "-f") { Description = "select one of: table or json", DefaultValueFactory = _ => "table" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "display only container IDs" };
        cmd.Options.Add(format);
        cmd.Options.Add(quiet);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            var states = Globals.Runtime(p).List().ToList();
            if (p.GetValue(quiet))
            {
                foreach (var s in states) Console.Out.WriteLine(s.Id);
                return 0;
            }
            switch (p.GetValue(format))
            {
                case "json":
                    foreach (var s in states) s.Owner = Owner(s.Bundle);
                    Console.Out.WriteLine(states.Count == 0 ? "null" : JsonSerializer.Serialize(states, CompactStateContext.Default.ListState));
                    return 0;
                case "table":
                    var rows = new List<string[]> { new[] { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" } };
                    rows.AddRange(states.Select(s => new[]
                    {
                        s.Id, s.Pid.ToString(), s.Status, s.Bundle, s.Created?.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ") ?? "", Owner(s.Bundle),
                    }));
                    Table.Write(rows);
                    return 0;
                default:
                    throw new RuntimeException($"invalid format option \"{p.GetValue(format)}\"");
            }
        }));
        return cmd;
    }

    private static string Owner(string path)
    {
        try
        {
            var uid = new FileInfo(path).Exists || Directory.Exists(path) ? StatUid(path) : 0;
            return uid == 0 ? "root" : uid.ToString();
        }
        catch (IOException) { return ""; }
    }

    private static uint StatUid(string path) => Interop.Libc.FstatAt(Interop.O.AT_FDCWD, path, out var st, 0) == 0 ? st.Uid : 0;
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<State>), TypeInfoPropertyName = "ListState")]
internal sealed partial class CompactStateContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>Columns padded like Go's tabwriter(minwidth 12, padding 3) as runc prints them.</summary>
public static class Table
{
    public static void Write(IReadOnlyList<string[]> rows, int minWidth = 12, int padding = 3)
    {
        var widths = new int[rows[0].Length];
        foreach (var r in rows)
            for (var i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], Math.Max(minWidth, r[i].Length + padding));
        foreach (var r in rows)
        {
            var sb = new System.Text.StringBuilder();
            for (var i = 0; i < r.Length; i++) sb.Append(i == r.Length - 1 ? r[i] : r[i].PadRight(widths[i]));
            Console.Out.WriteLine(sb.ToString());
        }
    }
}
