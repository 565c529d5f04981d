using System.CommandLine;
using Quai.Cli.Commands.Containers;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Network.Networks;

namespace Quai.Cli.Commands.Networks;

/// <summary>`network create/ls/inspect/rm/prune/connect/disconnect` (Docker's flags and messages; errors are the
/// daemon's: "Error response from daemon: …", exit 1).</summary>
public static class NetworkCommands
{
    private static Option<string[]> Many(string name, string desc, params string[] aliases) =>
        new(name, aliases) { Description = desc, AllowMultipleArgumentsPerToken = false };

    public static void Register(CliContext cli)
    {
        var network = new Command("network", "Manage networks");
        network.Add(Create(cli));
        network.Add(NetworkListCommand.Create(cli));
        network.Add(NetworkInspectCommand.Create(cli));
        network.Add(Remove(cli));
        network.Add(Prune(cli));
        network.Add(Connect(cli));
        network.Add(Disconnect(cli));
        cli.Add(network);
        PortCommand.Register(cli);
    }

    /// <summary>Network errors are the daemon's (exit 1), bad input included, as docker's network verbs report them.</summary>
    public static int Run(CliContext cli, ParseResult p, Func<ContainerEngine, int> body) => EngineCli.Run(cli, p, engine =>
    {
        try { return body(engine); }
        catch (EngineUsageException e) { return EngineCli.Daemon(cli, e.Message, 1); }
    });

    private static Command Create(CliContext cli)
    {
        var driver = new Option<string?>("--driver", "-d") { Description = "Driver to manage the Network (default \"bridge\")" };
        var subnet = Many("--subnet", "Subnet in CIDR format that represents a network segment");
        var gateway = Many("--gateway", "IPv4 or IPv6 Gateway for the master subnet");
        var ipRange = Many("--ip-range", "Allocate container ip from a sub-range");
        var isInternal = new Option<bool>("--internal") { Description = "Restrict external access to the network" };
        var ipv6 = new Option<bool>("--ipv6") { Description = "Enable or disable IPv6 networking" };
        var opt = Many("--opt", "Set driver specific options", "-o");
        var label = Many("--label", "Set metadata on a network");
        var attachable = new Option<bool>("--attachable") { Description = "Enable manual container attachment" };
        var name = new Argument<string>("NETWORK");
        var cmd = new Command("create", "Create a network") { driver, subnet, gateway, ipRange, isInternal, ipv6, opt, label, attachable, name };
        cmd.SetAction(p => Run(cli, p, engine =>
        {
            var r = new CreateRequest
            {
                Name = p.GetValue(name)!, Driver = p.GetValue(driver) is { Length: > 0 } d ? d : "bridge",
                Subnets = [.. p.GetValue(subnet) ?? []], Gateways = [.. p.GetValue(gateway) ?? []], IpRanges = [.. p.GetValue(ipRange) ?? []],
                Internal = p.GetValue(isInternal), IPv6 = p.GetValue(ipv6), Attachable = p.GetValue(attachable),
                Options = KeyValues(p.GetValue(opt)), Labels = KeyValues(p.GetValue(label)),
            };
            foreach (var g in r.Gateways)
                if (!System.Net.IPAddress.TryParse(g, out _)) throw new NetworkUsageException($"invalid gateway address {g}: ParseAddr(\"{g}\"): unable to parse IP");
            foreach (var x in r.IpRanges)
                if (!Quai.Network.Subnet.TryParse(x, out _)) throw new NetworkUsageException($"invalid CIDR address: {x}");
            engine.SweepNetworks();
            cli.Out.WriteLine(engine.Networks.Create(r).Id);
            return 0;
        }));
        return cmd;
    }

    private static Dictionary<string, string> KeyValues(string[]? items)
    {
        var d = new Dictionary<string, string>();
        foreach (var i in items ?? [])
        {
            var eq = i.IndexOf('=');
            d[eq < 0 ? i : i[..eq]] = eq < 0 ? "" : i[(eq + 1)..];
        }
        return d;
    }

    private static Command Remove(CliContext cli)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Do not error if the network does not exist" };
        var names = new Argument<string[]>("NETWORK") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("rm", "Remove one or more networks") { force, names };
        cmd.Aliases.Add("remove");
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            engine.SweepNetworks(); // endpoints of dead monitors do not keep a network in use
            var rc = 0;
            foreach (var n in p.GetValue(names)!)
            {
                try
                {
                    engine.Networks.Remove(n);
                    cli.Out.WriteLine(n);
                }
                catch (NetworkNotFoundException) when (p.GetValue(force)) { }
                catch (Exception e) when (e is NetworkNotFoundException or NetworkConflictException or NetworkUsageException)
                {
                    EngineCli.Daemon(cli, e.Message, 1);
                    rc = 1;
                }
            }
            return rc;
        }));
        return cmd;
    }

    private static Command Prune(CliContext cli)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var filter = Many("--filter", "Provide filter values (e.g. \"until=<timestamp>\")");
        var cmd = new Command("prune", "Remove all unused networks") { force, filter };
        cmd.SetAction(p => Run(cli, p, engine =>
        {
            if (!p.GetValue(force))
            {
                cli.Out.Write("WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ");
                if (Console.In.ReadLine() is not { } a || !a.Trim().StartsWith('y')) return 0;
            }
            engine.SweepNetworks();
            var removed = new List<string>();
            foreach (var n in engine.Networks.Store.List())
            {
                if (n.Predefined || engine.Networks.Store.Endpoints(n.Id).Count > 0) continue;
                if (!NetworkListCommand.LabelFilters(p.GetValue(filter), n)) continue;
                try { engine.Networks.Remove(n.Id); removed.Add(n.Name); } catch (Exception e) when (e is NetworkConflictException or IOException) { }
            }
            if (removed.Count > 0)
            {
                cli.Out.WriteLine("Deleted Networks:");
                foreach (var r in removed) cli.Out.WriteLine(r);
            }
            return 0;
        }));
        return cmd;
    }

    private static Command Connect(CliContext cli)
    {
        var ip = new Option<string?>("--ip") { Description = "IPv4 address (e.g., \"172.30.100.104\")" };
        var ip6 = new Option<string?>("--ip6") { Description = "IPv6 address (e.g., \"2001:db8::33\")" };
        var alias = Many("--alias", "Add network-scoped alias for the container");
        var net = new Argument<string>("NETWORK");
        var ctr = new Argument<string>("CONTAINER");
        var cmd = new Command("connect", "Connect a container to a network") { ip, ip6, alias, net, ctr };
        cmd.SetAction(p => Run(cli, p, engine =>
        {
            engine.ConnectNetwork(p.GetValue(net)!, p.GetValue(ctr)!, p.GetValue(ip), p.GetValue(ip6), [.. p.GetValue(alias) ?? []]);
            return 0;
        }));
        return cmd;
    }

    private static Command Disconnect(CliContext cli)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force the container to disconnect from a network" };
        var net = new Argument<string>("NETWORK");
        var ctr = new Argument<string>("CONTAINER");
        var cmd = new Command("disconnect", "Disconnect a container from a network") { force, net, ctr };
        cmd.SetAction(p => Run(cli, p, engine =>
        {
            engine.DisconnectNetwork(p.GetValue(net)!, p.GetValue(ctr)!, p.GetValue(force));
            return 0;
        }));
        return cmd;
    }
}
