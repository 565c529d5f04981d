using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Quai.Runtime.IntegrationTests.Infrastructure;
using Quai.Runtime.Terminal;

namespace Quai.Runtime.IntegrationTests.Tests;

public sealed class PausedContainerTests
{
    [Fact]
    public void Delete_force_of_a_paused_container_leaves_nothing()
    {
        using var b = new Bundle("sh", "-c", "sleep 60 & sleep 60");
        b.Create().Ok();
        var pid = b.Pid();
        b.Cmd("start", b.Id).Ok();
        b.Cmd("pause", b.Id).Ok();
        Assert.Equal("paused", (string?)b.State()["status"]);
        var plain = b.Cmd("delete", b.Id);
        Assert.NotEqual(0, plain.Exit);
        Assert.Contains("paused", plain.Err);
        b.Cmd("delete", "--force", b.Id).Ok();
        Assert.True(Rt.WaitFor(() => !Rt.ProcessExists(pid)));
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Resume_of_a_running_container_fails()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        var r = b.Cmd("resume", b.Id);
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("not paused", r.Err);
    }
}

public sealed class TtyExecTests
{
    [Fact]
    public void Exec_tty_with_console_socket()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        var socketPath = Path.Combine(b.Dir, "exec.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        var exec = Task.Run(() => b.Cmd("exec", "--tty", "--console-socket", socketPath, b.Id, "sh", "-c", "tty; echo end-$((2+3))"));
        var accept = listener.AcceptAsync();
        Assert.True(accept.Wait(TimeSpan.FromSeconds(10)), $"no connection: {(exec.IsCompleted ? exec.Result : "")}");
        using var conn = accept.Result;
        var (master, _) = ConsoleSocket.ReceiveFd((int)conn.Handle);
        var output = new StringBuilder();
        using (var s = new FileStream(new SafeFileHandle(master, true), FileAccess.Read, 1))
        {
            var buf = new byte[4096];
            int n;
            try { while ((n = s.Read(buf)) > 0 && !output.ToString().Contains("end-5")) output.Append(Encoding.UTF8.GetString(buf, 0, n)); }
            catch (IOException) { }
        }
        Assert.True(exec.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, exec.Result.Exit);
        Assert.Contains("/dev/pts/", output.ToString());
        Assert.Contains("end-5", output.ToString());
    }
}
