using Quai.Build.Context;

namespace Quai.Build.Tests.Context;

/// <summary>A unique directory under /var/tmp to build a context in, removed (links, not their targets) on dispose.</summary>
internal sealed class ContextDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine("/var/tmp", $"quai-build-ctx-{Guid.NewGuid():N}");

    public ContextDir() => Directory.CreateDirectory(Path);

    public string Full(string rel) => System.IO.Path.Combine(Path, rel);

    public string File(string rel, string content = "x")
    {
        var full = Full(rel);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
        return full;
    }

    public string Dir(string rel) => Directory.CreateDirectory(Full(rel)).FullName;

    public void Link(string rel, string target)
    {
        var full = Full(rel);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.CreateSymbolicLink(full, target);
    }

    public BuildContext Open(string? dockerfile = "Dockerfile") => BuildContext.Open(Path, dockerfile);

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
