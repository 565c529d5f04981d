using Microsoft.Win32.SafeHandles;

namespace Quai.Cli.Output;

/// <summary>The CLI's stdin, stdout and stderr as plain file streams on descriptors 0, 1 and 2. .NET's console
/// streams initialise the terminal on first use, which writes the terminfo keypad_xmit sequence (ESC[?1h ESC=) to
/// the user's terminal and installs terminal signal handling: no docker command does either, so the CLI never
/// touches them (Program sets Console.Out/Error to these; commands open streams here).</summary>
public static class StdStreams
{
    public static Stream OpenIn() => Open(0, FileAccess.Read);
    public static Stream OpenOut() => Open(1, FileAccess.Write);
    public static Stream OpenErr() => Open(2, FileAccess.Write);

    /// <summary>A stream that does not own the descriptor: disposing it leaves fd 0/1/2 open.</summary>
    private static Stream Open(int fd, FileAccess access) => new FileStream(new SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);

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
