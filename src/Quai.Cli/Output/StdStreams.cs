using Microsoft.Win32.SafeHandles;

namespace Quai.Cli.Output;

/// <summary>The CLI's stdin, stdout and stderr as plain file streams on descriptors 0, 1 and 2. .NET's console
/// streams initialise the terminal on first use, which writes the terminfo keypad_xmit sequence (ESC[?1h ESC=) to
/// the user's terminal and installs terminal signal handling: no docker command does either, so the CLI never
/// touches them (Program sets Console.Out/Error to these; commands open streams here).</summary>
public static class StdStreams
{
    public static Stream OpenIn() => Open(0, FileAccess.Read);
    public static Stream OpenOut() => new OutputStream(1);
    public static Stream OpenErr() => new OutputStream(2);

    /// <summary>A stream that does not own the descriptor: disposing it leaves fd 0/1/2 open.</summary>
    private static Stream Open(int fd, FileAccess access) => new FileStream(new SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);

    /// <summary>fd 1 or 2 as a FileStream whose writes go straight to the descriptor. As .NET's console streams do, a
    /// reader that went away (EPIPE: `quai cp ctr:/ - | head -c1`, a test that stops reading at the end of a tar)
    /// ends the output silently instead of failing the command; other write errors are raised.</summary>
    private sealed unsafe class OutputStream(int fd) : FileStream(new SafeFileHandle(fd, ownsHandle: false), FileAccess.Write, bufferSize: 0)
    {
        private bool _broken;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            fixed (byte* p = data)
                for (var off = 0; off < data.Length && !_broken;)
                {
                    var n = Quai.Interop.Libc.Write(fd, p + off, data.Length - off);
                    if (n >= 0) { off += (int)n; continue; }
                    var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno == 32 /* EPIPE */) _broken = true;
                    else if (errno != Quai.Interop.Errno.EINTR) throw new Quai.Interop.ErrnoException($"write to fd {fd}", errno);
                }
        }
    }

    private static TextReader? _in;
    /// <summary>Lines typed or piped on stdin (prompts, `--password-stdin`, `build -f -`).</summary>
    public static TextReader In => _in ??= new StreamReader(OpenIn(), leaveOpen: false);

    /// <summary>Console.Out and Console.Error on the descriptors, flushed on every write as the console writers are.</summary>
    public static void Install()
    {
        Console.SetOut(new StreamWriter(OpenOut()) { AutoFlush = true });
        Console.SetError(new StreamWriter(OpenErr()) { AutoFlush = true });
    }
}
