using System.Net.Sockets;
using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;
using Quai.Runtime.Terminal;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>SCMP_ACT_NOTIFY with linux.seccomp.listenerPath: the runtime hands the seccomp
/// listener fd to the listener over SCM_RIGHTS with the containerProcessState JSON.</summary>
public sealed class SeccompNotifyTests
{
    [Fact]
    public void Listener_receives_the_notify_fd_and_the_container_process_state()
    {
        using var b = new Bundle("sh", "-c", "mkdir /tmp/notified; echo mkdir-rc=$?");
        var socketPath = Path.Combine(b.Dir, "listener.sock");
        b.Linux["seccomp"] = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["listenerPath"] = socketPath,
            ["listenerMetadata"] = "quai-test-metadata",
            ["syscalls"] = new JsonArray(new JsonObject { ["names"] = new JsonArray("mkdir", "mkdirat"), ["action"] = "SCMP_ACT_NOTIFY" }),
        };
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        var received = Task.Run(() =>
        {
            using var conn = listener.Accept();
            var (fd, body) = ConsoleSocket.ReceiveFd((int)conn.Handle);
            var isSeccompListener = File.ReadAllText($"/proc/self/fdinfo/{fd}").Length > 0 &&
                                    new FileInfo($"/proc/self/fd/{fd}").LinkTarget?.Contains("seccomp") == true;
            // Closing the listener makes the notified syscalls fail with ENOSYS.
            Interop.Libc.Close(fd);
            return (body, isSeccompListener);
        });

        var r = b.Run().Ok();
        Assert.True(received.Wait(TimeSpan.FromSeconds(20)), "the listener never got a connection");
        var (json, isSeccomp) = received.Result;
        Assert.True(isSeccomp, "the fd received is not a seccomp listener");
        var state = Rt.ParseObject(json);
        Assert.Equal("seccompFd", (string?)state["fds"]![0]);
        Assert.Equal("quai-test-metadata", (string?)state["metadata"]);
        Assert.Equal(b.Id, (string?)state["state"]!["id"]);
        Assert.True((int)state["pid"]! > 0);
        Assert.Contains("mkdir-rc=1", r.Out);
        Assert.Contains("Function not implemented", r.Err);
    }
}
