namespace Quai.Cli.Commands.Containers;

/// <summary>--cidfile: the file is claimed (created exclusively) before the container is created, gets its id once
/// it exists, and is removed again if no container came of it — the docker CLI's behaviour.</summary>
public sealed class CidFile : IDisposable
{
    private readonly string _path;
    private FileStream? _file;
    private bool _written;

    public string? Error { get; }

    private CidFile(string path, string? error, FileStream? file)
    {
        _path = path;
        Error = error;
        _file = file;
    }

    public static CidFile Claim(string path)
    {
        try { return new CidFile(path, null, new FileStream(path, FileMode.CreateNew, FileAccess.Write)); }
        catch (IOException) when (File.Exists(path))
        { return new CidFile(path, $"Container ID file found, make sure the other container isn't running or delete {path}", null); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { return new CidFile(path, $"failed to create the container ID file: open {path}: {e.Message}", null); }
    }

    public void Write(string id)
    {
        if (_file is null) return;
        _file.Write(System.Text.Encoding.ASCII.GetBytes(id));
        _file.Flush(flushToDisk: true);
        _written = true;
    }

    public void Dispose()
    {
        if (_file is null) return;
        _file.Dispose();
        _file = null;
        if (!_written) try { File.Delete(_path); } catch (IOException) { }
    }
}
