using System.IO.Pipes;

namespace Quai.Fs;

/// <summary>An archive written on one thread and read on this one through a pipe (an archiver feeding an
/// extractor, `cp` and `build -o` alike), so no archive is held whole in memory or on disk.</summary>
public static class ArchivePipe
{
    /// <summary>Runs <paramref name="write"/> on a thread writing into a pipe while <paramref name="read"/>
    /// reads it here. The first real error wins: an extractor failure breaks the writer's pipe, which is not
    /// worth reporting; a truncated archive means the writer stopped first, so its error is the one.</summary>
    public static void Pump(Action<Stream> write, Action<Stream> read, string threadName = "archive-pipe")
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        Exception? writeError = null;
        var writer = new Thread(() =>
        {
            try { write(server); }
            catch (Exception e) { writeError = e; }
            finally { try { server.Dispose(); } catch (IOException) { } }
        }) { IsBackground = true, Name = threadName };
        writer.Start();
        Exception? readError = null;
        try
        {
            read(client);
            // drain what the reader did not need (tar padding) so the writer can finish
            client.CopyTo(Stream.Null);
        }
        catch (Exception e) { readError = e; }
        finally { client.Dispose(); }
        writer.Join();
        if (writeError is not null && readError is null or TarFormatException or EndOfStreamException) throw writeError;
        if (readError is not null) throw readError;
    }
}
