using System.Text.Json.Serialization;

namespace Quai.Build.Executor;

[JsonSerializable(typeof(string))]
internal sealed partial class BuildJson : JsonSerializerContext;
