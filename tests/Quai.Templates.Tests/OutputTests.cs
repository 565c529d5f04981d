using System.Text;
using System.Text.Json;
using Quai.Templates.Docker;
using Quai.Templates.Exec;
using Quai.Templates.Formatting;
using Quai.Templates.Values;

namespace Quai.Templates.Tests;

/// <summary>docker-cli's formatter (table directive, header context, tabwriter, json), Go's JSON escaping as a shared
/// System.Text.Json setting, and Go's time and number printing.</summary>
public class OutputTests
{
    private static GoStruct Row(string id, string names, string image, Dictionary<string, string>? labels = null)
    {
        var s = new GoStruct("*formatter.ContainerContext").Add("ID", id).Add("Names", names).Add("Image", image);
        s.Method("Label", a => labels is not null && labels.TryGetValue(Args.String(a[0]), out var v) ? v : "");
        s.JsonView = () => new GoMap().Add("ID", id).Add("Image", image).Add("Names", names);
        return s;
    }

    private static readonly GoMap Header = new GoMap("map[string]string", "").Add("ID", "CONTAINER ID").Add("Names", "NAMES").Add("Image", "IMAGE");

    [Fact]
    public void Table_HeaderFromTheHeaderContext_ColumnsAlignedLikeTabwriter()
    {
        var f = OutputFormat.Parse("table {{.ID}}\\t{{.Image}}\\t{{.Names}}", "");
        var text = f.Render([Row("4fa6e0f0c678", "web", "busybox:latest"), Row("0123456789ab", "a-much-longer-name", "nginx")], Header);
        Assert.Equal(
            "CONTAINER ID   IMAGE            NAMES\n" +
            "4fa6e0f0c678   busybox:latest   web\n" +
            "0123456789ab   nginx            a-much-longer-name\n", text);
    }

    [Fact]
    public void Table_MinimumWidthTen_AndHeaderFunctionsAreIdentity()
    {
        var f = OutputFormat.Parse("table {{upper .Image}}\\t{{json .Names}}\\t{{truncate .ID 4}}", "");
        var text = f.Render([Row("4fa6e0f0c678", "w", "bb")], Header);
        Assert.Equal("IMAGE     NAMES     CONTAINER ID\nBB        \"w\"       4fa6\n", text);
    }

    [Fact]
    public void DefaultTable_UsedForEmptyAndTable()
    {
        foreach (var format in new string?[] { null, "", "table" })
            Assert.StartsWith("NAMES\nweb\n", OutputFormat.Parse(format, "table {{.Names}}").Render([Row("i", "web", "x")], Header));
    }

    [Fact]
    public void Json_OneObjectALine_NoHtmlEscaping()
    {
        var f = OutputFormat.Parse("json", "table {{.Names}}");
        Assert.Equal("{\"ID\":\"i\",\"Image\":\"a<b>&c\",\"Names\":\"web\"}\n{\"ID\":\"j\",\"Image\":\"x\",\"Names\":\"db\"}\n",
            f.Render([Row("i", "web", "a<b>&c"), Row("j", "db", "x")], Header));
    }

    [Fact]
    public void PlainTemplate_OneLineARow_MethodWithArgument()
    {
        var f = OutputFormat.Parse("{{.Names}}: {{.Label \"com.example\"}}", "");
        Assert.Equal("web: x\ndb: \n", f.Render([Row("i", "web", "b", new() { ["com.example"] = "x" }), Row("j", "db", "b")], Header));
    }

    [Fact]
    public void RowError_IsGosMessage()
    {
        var f = OutputFormat.Parse("{{.Nope}}", "");
        var e = Assert.Throws<TemplateException>(() => f.Render([Row("i", "web", "b")], Header));
        Assert.Equal("template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type *formatter.ContainerContext", e.Message);
        var p = Assert.Throws<TemplateException>(() => OutputFormat.Parse("{{.ID", ""));
        Assert.True(p.IsParseError);
        Assert.Equal("template: :1: unclosed action", p.Message);
    }

    [Fact]
    public void TabWriter_ColumnBlocksEndAtALineWithoutTheColumn()
    {
        var tw = new TabWriter();
        tw.Write("a\tb\tc\nlonger-cell-here\tx\nno tabs\nq\tr\n");
        Assert.Equal("a                  b\tc".Replace("\t", "         "), tw.Flush().Split('\n')[0]);
    }

    [Theory]
    [InlineData("a<b>&c", "\"a\\u003cb\\u003e\\u0026c\"")]
    [InlineData("say \"true\"", "\"say \\\"true\\\"\"")]
    [InlineData("tab\tnl\nbs\\", "\"tab\\tnl\\nbs\\\\\"")]
    [InlineData("é 中 😀", "\"é 中 😀\"")]
    [InlineData("\u0001\u2028", "\"\\u0001\\u2028\"")]
    public void GoJsonEncoder_EscapesLikeGo(string value, string expected)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, GoJsonEncoder.Writer())) w.WriteStringValue(value);
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer.WrittenSpan));
        var sb = new StringBuilder();
        GoJson.WriteString(sb, value, html: true);
        Assert.Equal(expected, sb.ToString());
    }

    [Fact]
    public void GoJsonEncoder_SerializerAndElementWriteToKeepGoEscaping()
    {
        using var doc = JsonDocument.Parse("{\"a\":\"\\u003cx\\u0022\"}");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, GoJsonEncoder.Writer(indented: true))) doc.RootElement.WriteTo(w);
        Assert.Equal("{\n    \"a\": \"\\u003cx\\\"\"\n}", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Times_AsGoPrintsThem()
    {
        var t = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234500);
        Assert.Equal("2026-01-02 03:04:05.12345 +0000 UTC", new GoTime(t).ToString());
        Assert.Equal("2026-01-02T03:04:05.12345Z", GoTimeFormat.Rfc3339Nano(t));
        Assert.Equal("2026-01-02T03:04:05.123450000Z", GoTimeFormat.Rfc3339NanoFixed(t));
        Assert.Equal("2026-01-02T03:04:05.000000000+02:00", GoTimeFormat.Rfc3339NanoFixed(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2))));
        Assert.Equal("\"2026-01-02T03:04:05.12345Z\"", GoJson.Encode(new GoTime(t), false));
        Assert.Equal("2026-01-02 03:04:05.12345 +0000 UTC", Template.Parse("{{.}}").Execute(new GoTime(t)));
    }

    [Theory]
    [InlineData(1e6, "1e+06", "1000000")]
    [InlineData(123456.0, "123456", "123456")]
    [InlineData(0.1, "0.1", "0.1")]
    [InlineData(1e21, "1e+21", "1e+21")]
    [InlineData(1e-7, "1e-07", "1e-7")]
    [InlineData(2.5, "2.5", "2.5")]
    public void Floats_PrintAndEncodeAsGo(double v, string print, string json)
    {
        Assert.Equal(print, GoFmt.Print(v));
        Assert.Equal(json, GoJson.Encode(v, false));
    }

    [Fact]
    public void StructsMapsSlicesNil_PrintAsGo()
    {
        var policy = new GoStruct("container.RestartPolicy").Add("Name", "on-failure").Add("MaximumRetryCount", 2L);
        Assert.Equal("{on-failure 2}", GoFmt.Print(policy));
        Assert.Equal("map[a:b c:d]", GoFmt.Print(new GoMap().Add("c", "d").Add("a", "b")));
        Assert.Equal("[a b]", GoFmt.Print(GoSlice.Strings(["a", "b"])));
        Assert.Equal("[]", GoFmt.Print(GoSlice.Strings(null)));
        Assert.Equal("null", GoJson.Encode(GoSlice.Strings(null), false));
        Assert.Equal("<no value>", Template.Parse("{{.missing}}").Execute(new GoMap()));
        Assert.Equal("<nil>", Template.Parse("{{print .missing}}").Execute(new GoMap()));
        Assert.Equal("{\"Name\":\"on-failure\",\"MaximumRetryCount\":2}", Template.Parse("{{json .}}").Execute(policy));
    }
}
