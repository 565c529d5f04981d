namespace Quai.Registry.Client;

/// <summary>A registry operation failed. The message is Docker's wording; <see cref="StatusCode"/> is the HTTP
/// status and <see cref="ErrorCode"/> the distribution error code (MANIFEST_UNKNOWN, NAME_UNKNOWN, UNAUTHORIZED,
/// DENIED, BLOB_UNKNOWN, TOOMANYREQUESTS…) when the registry sent them.</summary>
public class RegistryException : Exception
{
    public int? StatusCode { get; }
    public string? ErrorCode { get; }

    public RegistryException(string message, int? statusCode = null, string? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>The same failure with a message naming the operation (the codes are kept).</summary>
    public RegistryException Rephrase(string message) => new(message, StatusCode, ErrorCode, this);
}
