using System.Text.Json;
using Quai.Templates.Exec;
using Quai.Templates.Values;

namespace Quai.Templates.Tests;

/// <summary>The corpus (Corpus/templates.txt: Docker's documented examples and templates from real scripts) against
/// what Go's text/template with docker-cli's functions printed for the same data (Corpus/expected.json, made by
/// Corpus/gen/main.go with Go; Go is not needed to run these tests). Each template runs over the container both as
/// Go structs ("typed") and as map[string]interface{} with missingkey=error ("raw", docker inspect's fallback).</summary>
public class CorpusTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static readonly JsonShape Shape = new()
    {
        Maps = ["Config.Labels", "HostConfig.LogConfig.Config", "Config.ExposedPorts", "NetworkSettings.Ports", "NetworkSettings.Networks"],
        StringMaps = ["Config.Labels", "HostConfig.LogConfig.Config"],
        Slices = ["Args", "Config.Env", "Config.Cmd", "Config.Entrypoint", "HostConfig.Binds", "Mounts"],
        GoNames = new() { ["Id"] = "ID" },
        Types = new()
        {
            [""] = "main.Container", ["State"] = "*main.State", ["State.Health"] = "*main.Health", ["Config"] = "*main.Config",
            ["HostConfig"] = "*main.HostConfig", ["HostConfig.RestartPolicy"] = "main.RestartPolicy", ["NetworkSettings"] = "*main.NetworkSettings",
            ["NetworkSettings.Networks.*"] = "*main.Endpoint", ["Mounts[]"] = "main.Mount",
        },
    };

    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "expected.json")));
        foreach (var e in doc.RootElement.EnumerateArray())
            yield return [e.GetProperty("template").GetString()!, e.GetProperty("typed").GetString()!, e.GetProperty("raw").GetString()!];
    }

    private static string Run(string line, object? data, bool missingKeyError)
    {
        var text = line.Replace("\\n", "\n");
        Template t;
        try { t = Template.Parse(text); }
        catch (TemplateException e) { return "PARSE " + e.Message; }
        try { return t.Execute(data, missingKeyError); }
        catch (TemplateException e) { return "ERROR " + e.Message; }
    }

    private static JsonElement Container()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "container.json")));
        return doc.RootElement.Clone();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Typed_AsGo(string template, string typed, string raw)
    {
        _ = raw;
        Assert.Equal(typed, Run(template, JsonValues.Typed(Container(), Shape), false));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Raw_AsGo(string template, string typed, string raw)
    {
        _ = typed;
        Assert.Equal(raw, Run(template, JsonValues.Raw(Container()), true));
    }

    [Fact]
    public void Corpus_IsLarge() => Assert.True(Cases().Count() >= 130, $"{Cases().Count()} cases");
}
