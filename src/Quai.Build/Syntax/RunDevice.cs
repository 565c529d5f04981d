namespace Quai.Build.Syntax;

/// <summary>A CDI device of a RUN (<c>--device=name[,required]</c>).</summary>
/// <param name="Name">The device name (e.g. vendor.com/class=name).</param>
/// <param name="Required">Whether the build fails without it.</param>
public sealed record RunDevice(string Name, bool Required = false)
{
    /// <summary>BuildKit's ParseDevice: <c>name</c> or <c>name=…</c>, and <c>required[=bool]</c>.</summary>
    internal static RunDevice Parse(string spec)
    {
        string name = "";
        bool required = false;
        foreach (var field in CsvFields.Parse(spec, "devices"))
        {
            int eq = field.IndexOf('=');
            string key = (eq < 0 ? field : field[..eq]).ToLowerInvariant();
            if (eq < 0)
            {
                if (key == "required") required = true;
                else if (name.Length == 0) name = field;
                else throw new SyntaxError($"invalid field '{field}' must be a key=value pair");
                continue;
            }
            string value = field[(eq + 1)..];
            switch (key)
            {
                case "name":
                    if (name.Length != 0) throw new SyntaxError($"device name already set to {name}");
                    name = value;
                    break;
                case "required":
                    if (!GoText.TryParseBool(value, out required)) throw new SyntaxError($"invalid value for {key}: {value}");
                    break;
                default:
                    if (name.Length == 0)
                    {
                        name = field;
                        break;
                    }
                    throw new SyntaxError(Suggestion.Wrap($"unexpected key '{key}' in '{field}'", key, ["name", "required"], caseSensitive: true));
            }
        }
        return new RunDevice(name, required);
    }
}
