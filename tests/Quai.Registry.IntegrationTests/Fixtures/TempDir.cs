namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>A unique temporary directory (<see cref="Path"/>); <see cref="Sub"/> names a path inside it; Dispose deletes it.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("quai-fixture-test-").FullName;
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (DirectoryNotFoundException) { } }
}
