namespace Quai.Images;

/// <summary>No image matches a reference; the message is Docker's (<c>No such image: foo:latest</c>).</summary>
public sealed class ImageNotFoundException(string reference) : KeyNotFoundException($"No such image: {reference}")
{
    public string Reference { get; } = reference;
}

/// <summary>An operation refused because of what else uses the image (Docker's "conflict: …").</summary>
public sealed class ImageConflictException(string message) : InvalidOperationException(message);
