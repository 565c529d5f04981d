using System.CommandLine;
using Quai.Daemon;
using Quai.Engine;
using Quai.Images;

namespace Quai.Cli.Commands.Daemon;

/// <summary>`quai daemon`: serves the Docker Engine API on unix sockets (src/Quai.Daemon), on the store the
/// CLI uses (--root), so the docker CLI and `quai` see the same containers.</summary>
public static class DaemonCommand
{
    public static void Register(CliContext cli)
    {
        var hosts = new Option<string[]>("--host", "-H") { Description = $"Daemon socket(s) to listen on (unix:///path or fd://; default unix://{DaemonOptions.DefaultSocket})", AllowMultipleArgumentsPerToken = false };
        var group = new Option<string?>("--group", "-G") { Description = $"Group for the unix sockets (default \"{DaemonOptions.DefaultGroup}\" when it exists, else root only)" };
        var tlsVerify = new Option<bool>("--tlsverify") { Description = "Use TLS and verify the remote (required to listen on TCP)" };
        var tlsCa = new Option<string?>("--tlscacert") { Description = "Trust certs signed only by this CA" };
        var tlsCert = new Option<string?>("--tlscert") { Description = "Path to TLS certificate file" };
        var tlsKey = new Option<string?>("--tlskey") { Description = "Path to TLS key file" };
        var cmd = new Command("daemon", "Serve the Docker Engine API (the docker CLI, compose, SDKs) on a unix socket") { hosts, group, tlsVerify, tlsCa, tlsCert, tlsKey };
        cmd.SetAction(p =>
        {
            var store = new ImageStoreOptions();
            if (p.GetValue(cli.RootDir) is { Length: > 0 } root) store.Root = root;
            if (p.GetValue(cli.StorageDriver) is { Length: > 0 } driver) store.Snapshotter = driver;
            ContainerEngine.MonitorExecutable = Environment.ProcessPath ?? "/proc/self/exe";
            var options = new DaemonOptions
            {
                Hosts = [.. p.GetValue(hosts) ?? []], Group = p.GetValue(group), Store = store,
                Tls = p.GetValue(tlsVerify) || p.GetValue(tlsCa) is not null || p.GetValue(tlsCert) is not null || p.GetValue(tlsKey) is not null,
            };
            try { return new DaemonServer(options).RunAsync().GetAwaiter().GetResult(); }
            catch (DaemonStartException e) { return cli.Fail(e.Message, 1); }
            catch (IOException e) { return cli.Fail($"quai daemon: {e.Message}", 1); }
        });
        cli.Add(cmd);
    }
}
