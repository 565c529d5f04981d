using System.CommandLine;
using System.Text.Json;
using Quai.Cli.Output;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Files;
using Quai.Templates.Values;

namespace Quai.Cli.Commands.Containers;

/// <summary>`inspect` (containers, images, volumes; --type) and `container inspect`: a JSON array like Docker's
/// (indented; -f json compact), or -f with a Go template run as docker-cli does (typed, then the raw JSON).</summary>
public static class InspectCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template ('json' or a Go template)" };
        var size = new Option<bool>("--size", "-s") { Description = "Display total file sizes" };
        var type = new Option<string?>("--type") { Description = "Return JSON for specified type (container, image, volume)" };
        var targets = new Argument<string[]>(name == "inspect" ? "NAME|ID" : "CONTAINER") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command(name, name == "inspect" ? "Return low-level information on Docker objects" : "Display detailed information on one or more containers") { format, size, targets };
        if (name == "inspect") cmd.Add(type);
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var kind = name == "inspect" ? p.GetValue(type) : "container";
            if (kind is not (null or "" or "container" or "image" or "volume"))
                return cli.Fail($"\"{kind}\" is not a valid value for --type", CliContext.ExitError);
            var errors = new List<string>();
            var found = new List<(JsonElement Json, JsonShape Shape)>();
            foreach (var t in p.GetValue(targets)!)
            {
                var item = Find(engine, t, kind, p.GetValue(size));
                if (item is { } it) found.Add(it);
                else errors.Add(kind switch
                {
                    "container" => $"Error response from daemon: No such container: {t}",
                    "image" => $"Error response from daemon: No such image: {t}",
                    "volume" => $"Error response from daemon: get {t}: no such volume",
                    _ => $"Error: No such object: {t}",
                });
            }
            var f = p.GetValue(format);
            int rc;
            if (f is null or "" or "json")
            {
                TemplateOutput.InspectJson(cli, found.Select(x => x.Json).ToList(), compact: f == "json");
                rc = 0;
            }
            else rc = TemplateOutput.Inspect(cli, f, found, errors);
            foreach (var e in errors) cli.Err.WriteLine(e);
            return errors.Count > 0 ? 1 : rc;
        }));
        return cmd;
    }

    /// <summary>Docker's order of lookup without --type: container, image, volume.</summary>
    private static (JsonElement, JsonShape)? Find(ContainerEngine engine, string target, string? kind, bool size)
    {
        if (kind is null or "" or "container")
        {
            try { return (ContainerJson(engine, engine.Inspect(target), size), InspectShapes.Container); }
            catch (NotFoundException) { if (kind == "container") return null; }
        }
        if (kind is null or "" or "image")
        {
            var store = engine.Images;
            if (store.TryFind(target) is { } rec) return (Images.InspectCommand.Build(store, store.Describe(rec)), InspectShapes.Image);
            if (kind == "image") return null;
        }
        try { return (TemplateOutput.ToElement(w => JsonSerializer.Serialize(w, engine.Volumes.Get(target), EngineJsonContext.Default.Volume)), InspectShapes.Volume); }
        catch (NotFoundException) { return null; }
    }

    private static readonly string[] Order =
    [
        "Id", "Created", "Path", "Args", "State", "Image", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "Name",
        "RestartCount", "Driver", "Platform", "MountLabel", "ProcessLabel", "AppArmorProfile", "ExecIDs", "HostConfig",
        "GraphDriver", "SizeRw", "SizeRootFs", "Mounts", "Config", "NetworkSettings",
    ];

    /// <summary>A container as Docker's inspect shows it: Docker's field order, the fields Quai's record lacks
    /// (MountLabel, ProcessLabel, AppArmorProfile, ExecIDs, GraphDriver, SizeRw/SizeRootFs with -s, a NetworkSettings
    /// skeleton when networking has not filled one), Quai's own data last.</summary>
    public static JsonElement ContainerJson(ContainerEngine engine, Container c, bool size)
    {
        var own = TemplateOutput.ToElement(w => JsonSerializer.Serialize(w, c, EngineJsonContext.Default.Container));
        return TemplateOutput.ToElement(w =>
        {
            w.WriteStartObject();
            foreach (var key in Order)
            {
                if (own.TryGetProperty(key, out var v)) { w.WritePropertyName(key); v.WriteTo(w); continue; }
                switch (key)
                {
                    case "MountLabel" or "ProcessLabel" or "AppArmorProfile": w.WriteString(key, ""); break;
                    case "ExecIDs": w.WriteNull(key); break;
                    case "GraphDriver": GraphDriver(w, c); break;
                    case "SizeRw" when size:
                        w.WriteNumber(key, SafeSize(c));
                        break;
                    case "SizeRootFs" when size:
                        long image = 0;
                        try { image = engine.Images.TryFind(c.Image)?.Size ?? 0; } catch (Exception e) when (e is IOException or InvalidOperationException) { }
                        w.WriteNumber(key, SafeSize(c) + image);
                        break;
                    case "NetworkSettings": NetworkSettings(w, engine, c); break;
                }
            }
            foreach (var p in own.EnumerateObject())
                if (!Order.Contains(p.Name)) p.WriteTo(w);
            w.WriteEndObject();
        });
    }

    private static long SafeSize(Container c)
    {
        try { return ContainerChanges.WritableSize(c); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Quai.Interop.ErrnoException) { return 0; }
    }

    private static void GraphDriver(Utf8JsonWriter w, Container c)
    {
        w.WriteStartObject("GraphDriver");
        var upper = ContainerChanges.UpperDir(c);
        if (upper is null) w.WriteNull("Data");
        else
        {
            w.WriteStartObject("Data");
            var parent = Path.GetDirectoryName(upper)!;
            w.WriteString("MergedDir", Path.Combine(parent, "merged"));
            w.WriteString("UpperDir", upper);
            w.WriteString("WorkDir", Path.Combine(parent, "work"));
            w.WriteEndObject();
        }
        w.WriteString("Name", c.Driver);
        w.WriteEndObject();
    }

    private static void NetworkSettings(Utf8JsonWriter w, ContainerEngine engine, Container c)
    {
        var running = c.State.Running;
        var live = running ? engine.EndpointsOf(c.Id) : [];
        var bridge = live.FirstOrDefault(x => x.Network.Name == "bridge");
        string Prefix(Quai.Network.Networks.NetworkRecord n, bool v6) => n.IPAM.Config.Select(x => x.Subnet).FirstOrDefault(s => s.Contains(':') == v6)?.Split('/')[1] ?? "0";
        string Gateway(Quai.Network.Networks.NetworkRecord n, bool v6) => n.IPAM.Config.FirstOrDefault(x => x.Subnet.Contains(':') == v6)?.Gateway ?? "";
        w.WriteStartObject("NetworkSettings");
        w.WriteString("Bridge", "");
        w.WriteString("SandboxID", live.Count > 0 ? c.Id : "");
        w.WriteString("SandboxKey", live.Count > 0 ? engine.Networks.NetnsPath(c.Id) : "");
        w.WriteStartObject("Ports");
        var published = live.SelectMany(x => x.Endpoint.Ports).ToList();
        if (running)
        {
            var keys = (c.Config.ExposedPorts?.Keys ?? Enumerable.Empty<string>()).Concat(published.Select(Quai.Network.Ports.PortSpec.Key)).Distinct();
            foreach (var key in keys.Order(StringComparer.Ordinal))
            {
                var hits = published.Where(x => Quai.Network.Ports.PortSpec.Key(x) == key).ToList();
                if (hits.Count == 0) { w.WriteNull(key); continue; }
                w.WriteStartArray(key);
                foreach (var h in hits)
                {
                    w.WriteStartObject();
                    w.WriteString("HostIp", h.HostIp.Length > 0 ? h.HostIp : "0.0.0.0");
                    w.WriteString("HostPort", h.HostPort.ToString());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
        }
        w.WriteEndObject();
        w.WriteBoolean("HairpinMode", false);
        w.WriteString("LinkLocalIPv6Address", "");
        w.WriteNumber("LinkLocalIPv6PrefixLen", 0);
        w.WriteNull("SecondaryIPAddresses");
        w.WriteNull("SecondaryIPv6Addresses");
        var be = bridge.Endpoint;
        var bn = bridge.Network;
        w.WriteString("EndpointID", be?.EndpointId ?? "");
        w.WriteString("Gateway", be is null ? "" : Gateway(bn!, false));
        w.WriteString("GlobalIPv6Address", be?.IPv6 ?? "");
        w.WriteNumber("GlobalIPv6PrefixLen", be is { IPv6.Length: > 0 } ? int.Parse(Prefix(bn!, true)) : 0);
        w.WriteString("IPAddress", be?.IPv4 ?? "");
        w.WriteNumber("IPPrefixLen", be is { IPv4.Length: > 0 } ? int.Parse(Prefix(bn!, false)) : 0);
        w.WriteString("IPv6Gateway", be is { IPv6.Length: > 0 } ? Gateway(bn!, true) : "");
        w.WriteString("MacAddress", be?.Mac ?? "");
        w.WriteStartObject("Networks");
        var mode = c.HostConfig.NetworkMode;
        if (mode is "none" or "host")
        {
            w.WriteStartObject(mode);
            foreach (var k in new[] { "IPAMConfig", "Links", "Aliases", "MacAddress" }) w.WriteNull(k);
            w.WriteNull("DriverOpts");
            w.WriteNumber("GwPriority", 0);
            w.WriteString("NetworkID", engine.Networks.Store.Find(mode)?.Id ?? "");
            w.WriteString("EndpointID", "");
            w.WriteString("Gateway", "");
            w.WriteString("IPAddress", "");
            w.WriteNumber("IPPrefixLen", 0);
            w.WriteString("IPv6Gateway", "");
            w.WriteString("GlobalIPv6Address", "");
            w.WriteNumber("GlobalIPv6PrefixLen", 0);
            w.WriteNull("DNSNames");
            w.WriteEndObject();
        }
        foreach (var a in c.Quai.Networks)
        {
            var (n, e) = live.FirstOrDefault(x => x.Network.Id == a.NetworkId);
            w.WriteStartObject(a.Name);
            if (a.IPv4Address is null && a.IPv6Address is null) w.WriteNull("IPAMConfig");
            else
            {
                w.WriteStartObject("IPAMConfig");
                if (a.IPv4Address is not null) w.WriteString("IPv4Address", a.IPv4Address);
                if (a.IPv6Address is not null) w.WriteString("IPv6Address", a.IPv6Address);
                w.WriteEndObject();
            }
            w.WriteNull("Links");
            if (a.Aliases.Count == 0) w.WriteNull("Aliases");
            else { w.WriteStartArray("Aliases"); foreach (var x in a.Aliases) w.WriteStringValue(x); w.WriteEndArray(); }
            w.WriteString("MacAddress", e?.Mac ?? a.MacAddress ?? "");
            w.WriteNull("DriverOpts");
            w.WriteNumber("GwPriority", 0);
            w.WriteString("NetworkID", a.NetworkId);
            w.WriteString("EndpointID", e?.EndpointId ?? "");
            w.WriteString("Gateway", e is { IPv4.Length: > 0 } ? Gateway(n!, false) : "");
            w.WriteString("IPAddress", e?.IPv4 ?? "");
            w.WriteNumber("IPPrefixLen", e is { IPv4.Length: > 0 } ? int.Parse(Prefix(n!, false)) : 0);
            w.WriteString("IPv6Gateway", e is { IPv6.Length: > 0 } ? Gateway(n!, true) : "");
            w.WriteString("GlobalIPv6Address", e?.IPv6 ?? "");
            w.WriteNumber("GlobalIPv6PrefixLen", e is { IPv6.Length: > 0 } ? int.Parse(Prefix(n!, true)) : 0);
            if (a.Name == "bridge") w.WriteNull("DNSNames");
            else
            {
                w.WriteStartArray("DNSNames");
                foreach (var x in new[] { c.PlainName }.Concat(a.Aliases).Append(c.ShortId).Distinct()) w.WriteStringValue(x);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
