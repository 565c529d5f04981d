using System.Text.RegularExpressions;

namespace Quai.Engine.IntegrationTests;

/// <summary><c>--format</c> through the real executable: Go templates with Docker's functions on ps, images, inspect
/// (containers, images, volumes; --type, -f json), stats, history, volume ls; JSON escaped as Go does; template
/// errors as Docker prints them with a non-zero exit; logs -t with nine fraction digits.</summary>
public sealed class FormatTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    [Fact]
    public void Ps_Inspect_Stats_FormatLikeDocker()
    {
        var name = QuaiHost.Unique("fmt");
        q.Ok("run", "-d", "--name", name, "--restart", "on-failure:2", "--label", "com.example=x", "--label", "tag=<a&b>", "bb", "sh", "-c", "sleep 60");
        try
        {
            // ps: a row context with Docker's fields and the Label method
            Assert.Equal($"{name} x", q.Ok("ps", "--filter", "name=" + name, "--format", "{{.Names}} {{.Label \"com.example\"}}"));
            var table = q.Ok("ps", "--filter", "name=" + name, "--format", "table {{.ID}}\\t{{.Names}}").Split('\n');
            Assert.Equal(2, table.Length);
            Assert.Equal("CONTAINER ID   NAMES", table[0]);
            Assert.Matches($"^[0-9a-f]{{12}}   {name}$", table[1]);
            // json: one object a line; the command quoted as docker (argument with a space in single quotes)
            var json = q.Ok("ps", "--filter", "name=" + name, "--format", "json");
            Assert.StartsWith("{\"Command\":\"\\\"sh -c 'sleep 60'\\\"\"", json);
            Assert.Contains($"\"Names\":\"{name}\"", json);
            Assert.Equal($"{name}:running", q.Ok("ps", "--filter", "name=" + name, "--format", "{{if eq .State \"running\"}}{{.Names}}:{{.State}}{{end}}"));
            // an unknown field: Go's message, exit 1, nothing on stdout
            var bad = q.Run("ps", "--format", "{{.Nope}}");
            Assert.Equal(1, bad.Code);
            Assert.Contains("executing \"\" at <.Nope>: can't evaluate field Nope in type *formatter.ContainerContext", bad.Err);
            var parse = q.Run("ps", "--format", "{{nope .}}");
            Assert.Equal(1, parse.Code);
            Assert.Contains("template parsing error: template: :1: function \"nope\" not defined", parse.Err);

            // inspect: structs print as Go structs, maps sorted, json without HTML escaping
            Assert.Equal("running {on-failure 2}", q.Inspect(name, "{{.State.Status}} {{.HostConfig.RestartPolicy}}"));
            Assert.Equal("com.example=x;tag=<a&b>;", q.Inspect(name, "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}"));
            Assert.Equal("{\"com.example\":\"x\",\"tag\":\"<a&b>\"}", q.Inspect(name, "{{json .Config.Labels}}"));
            Assert.Equal("x", q.Inspect(name, "{{index .Config.Labels \"com.example\"}}"));
            Assert.Equal(q.Inspect(name, "{{.Id}}"), q.Inspect(name, "{{.ID}}"));
            Assert.Equal("sh -c sleep 60", q.Inspect(name, "{{.Path}} {{join .Args \" \"}}"));
            // the default output escapes like Go's encoder (the daemon's API): \u003c, \", never \u0022
            var full = q.Ok("inspect", name);
            Assert.Contains("\"tag\": \"\\u003ca\\u0026b\\u003e\"", full);
            Assert.DoesNotContain("\\u0022", full);
            Assert.Contains("\"GraphDriver\": {", full);
            Assert.Contains("\"NetworkSettings\": {", full);
            var compact = q.Ok("inspect", "-f", "json", name);
            Assert.StartsWith("[{\"Id\":\"", compact);
            Assert.Single(compact.Split('\n'));
            Assert.Matches("^[0-9]+ [0-9]+ overlay", q.Ok("inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}} {{.GraphDriver.Name}}", name));
            var missing = q.Run("inspect", "-f", "{{.State.Health.Status}}", name);
            Assert.Equal(1, missing.Code);
            Assert.Contains("template parsing error: template: :1:", missing.Err);

            // stats honours --format
            Assert.Matches($"^{name}:[0-9]+$", q.Ok("stats", "--no-stream", "--format", "{{.Name}}:{{.PIDs}}", name));
            Assert.StartsWith("{\"BlockIO\":", q.Ok("stats", "--no-stream", "--format", "json", name));
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void Inspect_ImagesAndVolumes_ByTypeAndByLookup()
    {
        Assert.Equal("linux", q.Ok("inspect", "--type", "image", "-f", "{{.Os}}", "bb"));
        Assert.Equal("linux", q.Ok("inspect", "-f", "{{.Os}}", "bb"));
        var vol = QuaiHost.Unique("fmtvol");
        q.Ok("volume", "create", "--label", "k=v", vol);
        try
        {
            Assert.Equal($"{vol} local map[k:v]", q.Ok("inspect", "--type", "volume", "-f", "{{.Name}} {{.Driver}} {{.Labels}}", vol));
            Assert.Equal(vol, q.Ok("inspect", "-f", "{{.Name}}", vol));
            Assert.Contains($"{vol} local", q.Ok("volume", "ls", "--format", "{{.Name}} {{.Scope}}").Split('\n'));
        }
        finally { q.Run("volume", "rm", vol); }
        var none = q.Run("inspect", "nosuch-object-x");
        Assert.Equal(1, none.Code);
        Assert.Contains("Error: No such object: nosuch-object-x", none.Err);
        Assert.Equal("[]", none.Out.Trim());
        var wrongType = q.Run("inspect", "--type", "image", "nosuch-object-x");
        Assert.Equal(1, wrongType.Code);
        Assert.Contains("No such image: nosuch-object-x", wrongType.Err);

        // images and history through templates
        foreach (var line in q.Ok("images", "--format", "json").Split('\n')) Assert.StartsWith("{\"Containers\":", line);
        Assert.Contains("bb:latest", q.Ok("images", "--format", "{{.Repository}}:{{.Tag}}").Split('\n'));
        Assert.Matches("^[0-9a-f]{12}$", q.Ok("history", "--format", "{{.ID}}", "bb").Split('\n')[0]);
        Assert.StartsWith("IMAGE", q.Ok("history", "--format", "table {{.ID}}\\t{{.Size}}", "bb"));
        Assert.Equal("Images,Containers,Local Volumes,Build Cache", string.Join(',', q.Ok("system", "df", "--format", "{{.Type}}").Split('\n')));
        Assert.StartsWith("{\"Active\":", q.Ok("system", "df", "--format", "json"));
    }

    [Fact]
    public void LogsTimestamps_AreRfc3339NanoFixed()
    {
        var name = QuaiHost.Unique("fmtlog");
        try
        {
            q.Ok("run", "--name", name, "bb", "echo", "hi");
            Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hi$"), q.Ok("logs", "-t", name));
        }
        finally { q.Run("rm", "-f", name); }
    }
}
