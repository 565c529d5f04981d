using System.Net;
using System.Text.Json;

namespace Quai.Registry.Client;

/// <summary>Turns a registry's error response into Docker's words: each error of the JSON body as
/// <c>code in lower case: message</c> (<c>manifest unknown: manifest unknown</c>), or, without a body, what the
/// status means (<c>unauthorized: authentication required</c>, <c>received unexpected HTTP status: 500 …</c>).</summary>
public static class RegistryErrors
{
    public static RegistryException From(HttpStatusCode status, string? reason, ReadOnlySpan<byte> body)
    {
        int code = (int)status;
        ErrorsBody? parsed = null;
        if (body.Length > 0)
        {
            try { parsed = JsonSerializer.Deserialize(body, ClientJsonContext.Default.ErrorsBody); }
            catch (JsonException) { }
        }
        var errors = parsed?.Errors?.Where(e => !string.IsNullOrEmpty(e.Code) || !string.IsNullOrEmpty(e.Message)).ToList();
        if (errors is { Count: > 0 })
        {
            var lines = errors.Select(e => $"{Words(e.Code ?? "UNKNOWN")}: {e.Message}").ToList();
            var message = lines.Count == 1 ? lines[0] : "errors:\n" + string.Join("\n", lines);
            return new RegistryException(message, code, errors[0].Code);
        }
        return code switch
        {
            401 => new RegistryException("unauthorized: authentication required", code, "UNAUTHORIZED"),
            403 => new RegistryException("denied: requested access to the resource is denied", code, "DENIED"),
            429 => new RegistryException("toomanyrequests: too many requests", code, "TOOMANYREQUESTS"),
            _ => new RegistryException($"received unexpected HTTP status: {code} {reason ?? status.ToString()}", code, null),
        };
    }

    /// <summary><c>MANIFEST_UNKNOWN</c> → <c>manifest unknown</c>, as distribution's errcode prints codes.</summary>
    public static string Words(string code) => code.Replace('_', ' ').ToLowerInvariant();
}
