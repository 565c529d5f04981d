using System.CommandLine;
using Quai.Cli.Commands.Containers;
using Quai.Engine.Containers;

namespace Quai.Cli.Commands.Networks;

/// <summary>`port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports of a running container.</summary>
public static class PortCommand
{
    public static void Register(CliContext cli)
    {
        var ctr = new Argument<string>("CONTAINER");
        var port = new Argument<string?>("PRIVATE_PORT") { Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("port", "List port mappings or a specific mapping for the container") { ctr, port };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(ctr)!);
            var ports = c.State.Running ? engine.PublishedPorts(c.Id) : [];
            var want = p.GetValue(port);
            if (want is { Length: > 0 })
            {
                var slash = want.IndexOf('/');
                var (num, proto) = slash < 0 ? (want, "tcp") : (want[..slash], want[(slash + 1)..]);
                if (!int.TryParse(num, out var n) || n is < 1 or > 65535) throw new EngineUsageException($"Invalid port: {want}");
                var hits = ports.Where(x => x.ContainerPort == n && x.Protocol == proto).ToList();
                if (hits.Count == 0) { cli.Err.WriteLine($"Error: No public port '{n}/{proto}' published for {p.GetValue(ctr)}"); return 1; }
                foreach (var h in hits) cli.Out.WriteLine($"{(h.HostIp.Length > 0 ? h.HostIp : "0.0.0.0")}:{h.HostPort}");
                return 0;
            }
            foreach (var h in ports.OrderBy(x => x.ContainerPort).ThenBy(x => x.Protocol, StringComparer.Ordinal))
                cli.Out.WriteLine($"{h.ContainerPort}/{h.Protocol} -> {(h.HostIp.Length > 0 ? h.HostIp : "0.0.0.0")}:{h.HostPort}");
            return 0;
        }));
        cli.Add(cmd);
    }
}
