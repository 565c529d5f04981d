using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Quai.Registry.Auth;

/// <summary>Docker's client credentials: <c>$DOCKER_CONFIG/config.json</c> (default <c>~/.docker/config.json</c>)
/// with <c>auths</c> (base64 <c>user:password</c>, <c>identitytoken</c>), <c>credsStore</c> and <c>credHelpers</c>
/// (<c>docker-credential-NAME</c> programs). Docker Hub is keyed <c>https://index.docker.io/v1/</c>, other
/// registries by <c>host[:port]</c>. Rewrites keep every key Quai does not know, are atomic and 0600.</summary>
public sealed class CredentialStore
{
    public const string DockerHubKey = "https://index.docker.io/v1/";
    public const string ConfigDirVariable = "DOCKER_CONFIG";
    private static readonly object WriteLock = new();

    public string ConfigPath { get; }

    private CredentialStore(string configDir) => ConfigPath = Path.Combine(configDir, "config.json");

    public static CredentialStore Open()
        => Open(Environment.GetEnvironmentVariable(ConfigDirVariable) is { Length: > 0 } d ? d
            : Path.Combine(Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"));

    public static CredentialStore Open(string configDir) => new(configDir);

    /// <summary>The key docker uses for a registry in config.json and with helpers.</summary>
    public static string KeyFor(string domain)
        => domain is "docker.io" or "index.docker.io" or "registry-1.docker.io" or DockerHubKey ? DockerHubKey : Hostname(domain);

    /// <summary>docker's ConvertToHostname: no scheme, nothing after the first '/'.</summary>
    internal static string Hostname(string url)
    {
        var s = url;
        if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) s = s[7..];
        else if (s.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) s = s[8..];
        int slash = s.IndexOf('/');
        return slash < 0 ? s : s[..slash];
    }

    /// <summary>The credential helper that holds <paramref name="domain"/>'s secrets (credHelpers, else credsStore), or null for config.json itself.</summary>
    public string? HelperFor(string domain) => HelperFor(Read(), KeyFor(domain))?.Name;

    public Credential? Get(string domain)
    {
        var key = KeyFor(domain);
        var root = Read();
        if (HelperFor(root, key) is { } helper) return helper.Get(key);
        if (root?["auths"] is not JsonObject auths) return null;
        var entry = auths[key] as JsonObject ?? FindByHostname(auths, key);
        return entry is null ? null : Decode(entry, key);
    }

    public void Store(string domain, Credential credential)
    {
        var key = KeyFor(domain);
        lock (WriteLock)
        {
            var root = Read() ?? new JsonObject();
            var auths = root["auths"] as JsonObject;
            if (auths is null) { auths = new JsonObject(); root["auths"] = auths; }
            RemoveAliases(auths, key);
            if (HelperFor(root, key) is { } helper)
            {
                helper.Store(key, credential);
                auths[key] = new JsonObject();   // docker lists helper-held logins as empty entries
            }
            else
            {
                var entry = new JsonObject();
                if (credential.IsIdentityToken)
                {
                    entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(":"));
                    entry["identitytoken"] = credential.Secret;
                }
                else entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Secret));
                auths[key] = entry;
            }
            Write(root);
        }
    }

    /// <summary>Removes the credentials of <paramref name="domain"/>; false when there were none.</summary>
    public bool Erase(string domain)
    {
        var key = KeyFor(domain);
        lock (WriteLock)
        {
            var root = Read();
            if (root is null) return false;
            bool found = false;
            if (HelperFor(root, key) is { } helper) found = helper.Erase(key);
            if (root["auths"] is JsonObject auths) found |= RemoveAliases(auths, key);
            if (found) Write(root);
            return found;
        }
    }

    private static bool RemoveAliases(JsonObject auths, string key)
    {
        var names = auths.Where(p => p.Key == key || Hostname(p.Key) == Hostname(key) && key != DockerHubKey
            || key == DockerHubKey && KeyFor(Hostname(p.Key)) == DockerHubKey).Select(p => p.Key).ToList();
        foreach (var n in names) auths.Remove(n);
        return names.Count > 0;
    }

    private static JsonObject? FindByHostname(JsonObject auths, string key)
    {
        foreach (var (name, value) in auths)
            if (value is JsonObject o && (Hostname(name) == Hostname(key) && key != DockerHubKey || key == DockerHubKey && KeyFor(Hostname(name)) == DockerHubKey))
                return o;
        return null;
    }

    private static CredentialHelper? HelperFor(JsonObject? root, string key)
    {
        if (root is null) return null;
        if (root["credHelpers"] is JsonObject helpers)
        {
            var h = helpers[key] ?? helpers[Hostname(key)];
            if (h is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0) return new CredentialHelper(name);
        }
        if (root["credsStore"] is JsonValue s && s.TryGetValue<string>(out var store) && store.Length > 0) return new CredentialHelper(store);
        return null;
    }

    private Credential? Decode(JsonObject entry, string key)
    {
        if (entry["identitytoken"] is JsonValue t && t.TryGetValue<string>(out var token) && token.Length > 0)
            return new Credential("", token, IsIdentityToken: true);
        string? user = null, pass = null;
        if (entry["auth"] is JsonValue a && a.TryGetValue<string>(out var auth) && auth.Length > 0)
        {
            string decoded;
            try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth)); }
            catch (FormatException) { throw new InvalidDataException($"{ConfigPath}: invalid auth configuration for {key}: not base64"); }
            int colon = decoded.IndexOf(':');
            if (colon < 0) throw new InvalidDataException($"{ConfigPath}: invalid auth configuration for {key}: no ':' in the decoded auth");
            user = decoded[..colon];
            pass = decoded[(colon + 1)..];
        }
        if (entry["username"] is JsonValue u && u.TryGetValue<string>(out var un) && un.Length > 0) user = un;
        if (entry["password"] is JsonValue p && p.TryGetValue<string>(out var pw) && pw.Length > 0) pass = pw;
        return user is { Length: > 0 } ? new Credential(user, pass ?? "") : null;
    }

    private JsonObject? Read()
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(ConfigPath); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"loading config file {ConfigPath}: {e.Message}", e);
        }
        if (bytes.AsSpan().Trim((byte)' ').Length == 0) return null;
        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new InvalidDataException($"loading config file {ConfigPath}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"loading config file {ConfigPath}: {e.Message}", e);
        }
    }

    private void Write(JsonObject root)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true, IndentCharacter = '\t', IndentSize = 1,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
            root.WriteTo(w);
        Quai.Fs.AtomicFile.Write(ConfigPath, buffer.WrittenSpan, 0x180);
    }
}
