namespace Quai.Registry.Manifests;

/// <summary>A <c>manifest</c> command refused or failed; the message is docker's where docker has one.</summary>
public class ManifestException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>No local manifest list (or entry) of that name: docker's <c>No such manifest: REF</c>.</summary>
public sealed class ManifestNotFoundException(string reference) : ManifestException($"No such manifest: {reference}")
{
    public string Reference { get; } = reference;
}
