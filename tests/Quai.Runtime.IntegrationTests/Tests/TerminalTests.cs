using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;
using Quai.Runtime.IntegrationTests.Infrastructure;
using Quai.Runtime.Terminal;

namespace Quai.Runtime.IntegrationTests.Tests;

public sealed class TerminalTests
{
    [Fact]
    public void Run_with_console_socket_sends_the_pty_master_and_applies_the_console_size()
    {
        using var b = new Bundle("sh", "-c", "stty size; tty; echo done-$((6*7))");
        b.Process["terminal"] = true;
        b.Process["consoleSize"] = new JsonObject { ["height"] = 33, ["width"] = 77 };
        var socketPath = Path.Combine(b.Dir, "console.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        b.Save();
        var run = Task.Run(() => b.Cmd("run", "--console-socket", socketPath, "--bundle", b.Dir, b.Id));

        var accept = listener.AcceptAsync();
        Assert.True(accept.Wait(TimeSpan.FromSeconds(10)), $"the runtime never connected to the console socket: {(run.IsCompleted ? run.Result : "")}");
        using var conn = accept.Result;
        var (master, name) = ConsoleSocket.ReceiveFd((int)conn.Handle);
        Assert.True(master >= 0);
        var output = new StringBuilder();
        using (var stream = new FileStream(new SafeFileHandle(master, ownsHandle: true), FileAccess.Read, 1))
        {
            var buf = new byte[4096];
            while (true)
            {
                int n;
                try { n = stream.Read(buf, 0, buf.Length); }
                catch (IOException) { break; } // EIO once the slave side is closed
                if (n <= 0) break;
                output.Append(Encoding.UTF8.GetString(buf, 0, n));
                if (output.ToString().Contains("done-42")) break;
            }
        }
        Assert.True(run.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, run.Result.Exit);
        var lines = output.ToString().Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("33 77", lines[0]);
        Assert.StartsWith("/dev/pts/", lines[1]);
        Assert.Contains("done-42", output.ToString());
        Assert.StartsWith("/dev/pts/", name);
    }

    [Fact]
    public void Terminal_without_console_socket_is_refused_on_create()
    {
        using var b = new Bundle("true");
        b.Process["terminal"] = true;
        var r = b.Create();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("console socket", r.Err);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
    }
}
