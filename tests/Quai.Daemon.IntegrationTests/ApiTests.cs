using System.Net;
using System.Text;
using System.Text.Json;

namespace Quai.Daemon.IntegrationTests;

/// <summary>What the docker CLI never sends: version negotiation, bad input, unknown endpoints, answered as
/// dockerd answers them (status codes, {"message": …} bodies) and leaving nothing behind.</summary>
public sealed class ApiTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private DaemonHost H => fixture.Host;

    private static string Message(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("message").GetString()!;
    }

    [Fact]
    public async Task Ping_carries_the_negotiation_headers()
    {
        using var http = H.Http();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var r = await http.SendAsync(new HttpRequestMessage(method, "/_ping"));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("1.50", r.Headers.GetValues("API-Version").Single());
            Assert.Equal("false", r.Headers.GetValues("Docker-Experimental").Single());
            Assert.Equal("linux", r.Headers.GetValues("OSType").Single());
            Assert.Equal("1", r.Headers.GetValues("Builder-Version").Single());
            Assert.True(r.Headers.NonValidated.TryGetValues("Cache-Control", out var cache));
            Assert.Equal("no-cache, no-store, must-revalidate", cache.ToString());
            Assert.Equal("no-cache", r.Headers.GetValues("Pragma").Single());
            if (method == HttpMethod.Get) Assert.Equal("OK", await r.Content.ReadAsStringAsync());
        }
        using var versioned = await http.GetAsync("/v1.44/_ping");
        Assert.Equal(HttpStatusCode.OK, versioned.StatusCode);
    }

    [Fact]
    public async Task Versions_outside_the_range_are_refused_with_dockers_message()
    {
        using var http = H.Http();
        using var old = await http.GetAsync("/v1.12/version");
        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        Assert.Equal("client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version",
            Message(await old.Content.ReadAsStringAsync()));
        using var tooNew = await http.GetAsync("/v1.99/version");
        Assert.Equal(HttpStatusCode.BadRequest, tooNew.StatusCode);
        foreach (var v in new[] { "1.24", "1.44", "1.50" })
        {
            using var ok = await http.GetAsync($"/v{v}/version");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using var doc = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
            Assert.Equal("1.50", doc.RootElement.GetProperty("ApiVersion").GetString());
            Assert.Equal("1.24", doc.RootElement.GetProperty("MinAPIVersion").GetString());
        }
    }

    [Fact]
    public async Task Unknown_endpoint_is_a_json_404()
    {
        using var http = H.Http();
        foreach (var path in new[] { "/v1.50/nope", "/nope/at/all", "/v1.50/images/bb/nope" })
        {
            using var r = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
            Assert.Equal("page not found", Message(await r.Content.ReadAsStringAsync()));
        }
    }

    [Fact]
    public async Task Malformed_body_is_a_400_and_creates_nothing()
    {
        using var http = H.Http();
        var before = H.Quai("ps", "-aq").Out;
        using var r = await http.PostAsync("/v1.50/containers/create?name=" + DaemonHost.Unique("bad"),
            new StringContent("{\"Image\": \"bb\", ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.StartsWith("invalid JSON", Message(await r.Content.ReadAsStringAsync()));
        using var wrongType = await http.PostAsync("/v1.50/containers/create",
            new StringContent("{\"Image\": \"bb\", \"HostConfig\": {\"Memory\": \"lots\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.NotEmpty(Message(await wrongType.Content.ReadAsStringAsync()));
        Assert.Equal(before, H.Quai("ps", "-aq").Out);
        Assert.False(H.DaemonExited);
    }

    [Fact]
    public async Task Missing_objects_are_404_with_dockers_message()
    {
        using var http = H.Http();
        using var c = await http.GetAsync("/v1.50/containers/nosuchthing/json");
        Assert.Equal(HttpStatusCode.NotFound, c.StatusCode);
        Assert.Equal("No such container: nosuchthing", Message(await c.Content.ReadAsStringAsync()));
        using var i = await http.GetAsync("/v1.50/images/nosuchimage/json");
        Assert.Equal(HttpStatusCode.NotFound, i.StatusCode);
        Assert.Contains("No such image", Message(await i.Content.ReadAsStringAsync()));
        using var create = await http.PostAsync("/v1.50/containers/create",
            new StringContent("{\"Image\": \"nosuchimage:1\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);
        using var badFilter = await http.GetAsync("/v1.50/containers/json?filters=%7Bnope");
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
    }
}
