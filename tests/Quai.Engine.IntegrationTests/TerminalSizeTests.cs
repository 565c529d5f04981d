using System.Diagnostics;

namespace Quai.Engine.IntegrationTests;

/// <summary>`run -it` as a terminal user meets it: the container's terminal has the caller's size and follows its
/// resizes, a stdin that is not a terminal is refused, and no command writes terminal escape sequences. The caller's
/// terminal is a pty that a small python3 driver opens (pty.fork) with a known size.</summary>
public sealed class TerminalSizeTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private const string Driver = """
import os, pty, sys, struct, fcntl, termios, time, select
quai = sys.argv[1]; args = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 111, 0, 0))
    os.execv(quai, [quai] + args)
out = b''; resized = False; deadline = time.time() + 40
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try: chunk = os.read(fd, 4096)
        except OSError: break
        if not chunk: break
        out += chunk
    if not resized and b'33 111' in out:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0)); resized = True
    if b'40 120' in out:
        os.write(fd, b'\x03'); time.sleep(0.5); break
try: os.kill(pid, 9)
except OSError: pass
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
""";

    private string InPty(params string[] args)
    {
        var script = Path.Combine(Path.GetTempPath(), $"quai-pty-{Guid.NewGuid():N}.py");
        File.WriteAllText(script, Driver);
        try
        {
            var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add(QuaiHost.Bin);
            psi.ArgumentList.Add("--root");
            psi.ArgumentList.Add(q.Root);
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["TERM"] = "xterm";
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            Assert.True(p.WaitForExit(60_000), "the pty driver did not finish");
            return output.Result;
        }
        finally { File.Delete(script); }
    }

    [Fact]
    public void RunIt_HasTheCallersTerminalSize_AndFollowsResizes()
    {
        var name = QuaiHost.Unique("tty");
        try
        {
            var text = InPty("run", "--name", name, "-it", "bb", "sh", "-c", "while :; do busybox stty size; sleep 0.3; done");
            Assert.Contains("33 111", text);
            Assert.Contains("40 120", text);
            Assert.DoesNotContain("24 80", text);
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void RunIt_WithoutATerminal_IsRefused()
    {
        var r = q.RunWith("", TimeSpan.FromSeconds(30), "run", "--rm", "-it", "bb", "true");
        Assert.Equal(1, r.Code);
        Assert.Contains("the input device is not a TTY", r.Err);
        // -t alone is fine without a terminal
        Assert.Equal(0, q.RunWith("", TimeSpan.FromSeconds(30), "run", "--rm", "-t", "bb", "true").Code);
    }

    [Fact]
    public void Commands_WriteNoTerminalEscapeSequences()
    {
        var text = InPty("ps", "-a");
        Assert.Contains("CONTAINER ID", text);
        Assert.DoesNotContain("\u001b", text);
    }
}
