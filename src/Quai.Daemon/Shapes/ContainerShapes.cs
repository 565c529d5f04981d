using System.Text.Json;
using Quai.Engine;
using Quai.Engine.Containers;

namespace Quai.Daemon.Shapes;

/// <summary>Containers in the JSON shapes of dockerd: the list's summary (GET /containers/json) and inspect's
/// full document (GET /containers/{id}/json), built from the engine's record (whose fields already carry
/// Docker's names) plus what the record lacks.</summary>
public static class ContainerShapes
{
    public static long Unix(string time) => Times.Parse(time) is { } t ? new DateTimeOffset(t, TimeSpan.Zero).ToUnixTimeSeconds() : 0;

    public static void Summary(Utf8JsonWriter w, Container c, DateTime now)
    {
        w.WriteStartObject();
        w.WriteString("Id", c.Id);
        w.WriteStartArray("Names");
        w.WriteStringValue(c.Name);
        w.WriteEndArray();
        w.WriteString("Image", c.Config.Image.Length > 0 ? c.Config.Image : c.Image);
        w.WriteString("ImageID", c.Image);
        w.WriteString("Command", string.Join(' ', new[] { c.Path }.Concat(c.Args)));
        w.WriteNumber("Created", Unix(c.Created));
        w.WriteStartArray("Ports");
        w.WriteEndArray();
        Api.Reply.StringMap(w, "Labels", c.Config.Labels);
        w.WriteString("State", c.State.Status);
        w.WriteString("Status", StatusText.For(c, now));
        w.WriteStartObject("HostConfig");
        w.WriteString("NetworkMode", c.HostConfig.NetworkMode);
        w.WriteEndObject();
        w.WriteStartObject("NetworkSettings");
        w.WriteStartObject("Networks");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartArray("Mounts");
        foreach (var m in c.Mounts) JsonSerializer.Serialize(w, m, EngineJsonContext.Default.MountPoint);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static readonly string[] Order =
    [
        "Id", "Created", "Path", "Args", "State", "Image", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "Name",
        "RestartCount", "Driver", "Platform", "MountLabel", "ProcessLabel", "AppArmorProfile", "ExecIDs", "HostConfig",
        "GraphDriver", "Mounts", "Config", "NetworkSettings",
    ];

    /// <summary>Inspect's document: Docker's field order, the fields the record lacks filled as dockerd fills
    /// them for a container without networks; the engine's private bookkeeping (Quai) left out.</summary>
    public static void Inspect(Utf8JsonWriter w, Container c)
    {
        using var own = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(c, EngineJsonContext.Default.Container));
        var root = own.RootElement;
        w.WriteStartObject();
        foreach (var key in Order)
        {
            if (root.TryGetProperty(key, out var v)) { w.WritePropertyName(key); v.WriteTo(w); continue; }
            switch (key)
            {
                case "MountLabel" or "ProcessLabel" or "AppArmorProfile": w.WriteString(key, ""); break;
                case "ExecIDs": w.WriteNull(key); break;
                case "GraphDriver":
                    w.WriteStartObject(key);
                    w.WriteNull("Data");
                    w.WriteString("Name", c.Driver);
                    w.WriteEndObject();
                    break;
                case "NetworkSettings": NetworkSettings(w); break;
            }
        }
        w.WriteEndObject();
    }

    private static void NetworkSettings(Utf8JsonWriter w)
    {
        w.WriteStartObject("NetworkSettings");
        w.WriteString("Bridge", "");
        w.WriteString("SandboxID", "");
        w.WriteString("SandboxKey", "");
        w.WriteStartObject("Ports");
        w.WriteEndObject();
        w.WriteBoolean("HairpinMode", false);
        w.WriteString("LinkLocalIPv6Address", "");
        w.WriteNumber("LinkLocalIPv6PrefixLen", 0);
        w.WriteNull("SecondaryIPAddresses");
        w.WriteNull("SecondaryIPv6Addresses");
        w.WriteString("EndpointID", "");
        w.WriteString("Gateway", "");
        w.WriteString("GlobalIPv6Address", "");
        w.WriteNumber("GlobalIPv6PrefixLen", 0);
        w.WriteString("IPAddress", "");
        w.WriteNumber("IPPrefixLen", 0);
        w.WriteString("IPv6Gateway", "");
        w.WriteString("MacAddress", "");
        w.WriteStartObject("Networks");
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
