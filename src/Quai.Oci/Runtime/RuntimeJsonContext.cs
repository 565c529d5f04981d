using System.Text.Json.Serialization;

namespace Quai.Oci.Runtime;

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(Spec))]
[JsonSerializable(typeof(State))]
[JsonSerializable(typeof(ContainerProcessState))]
[JsonSerializable(typeof(List<State>))]
[JsonSerializable(typeof(Process))]
[JsonSerializable(typeof(Resources))]
public sealed partial class RuntimeJsonContext : JsonSerializerContext;
