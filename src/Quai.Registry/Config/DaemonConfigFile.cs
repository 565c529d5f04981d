using System.Text.Json.Serialization;

namespace Quai.Registry.Config;

/// <summary>The keys of daemon.json the registry client reads; the rest belongs to others and is ignored.</summary>
internal sealed class DaemonConfigFile
{
    [JsonPropertyName("insecure-registries")] public List<string>? InsecureRegistries { get; set; }
    [JsonPropertyName("registry-mirrors")] public List<string>? RegistryMirrors { get; set; }
    [JsonPropertyName("registry-timeout")] public double? RegistryTimeout { get; set; }
}

[JsonSourceGenerationOptions(AllowTrailingCommas = true, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(DaemonConfigFile))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
