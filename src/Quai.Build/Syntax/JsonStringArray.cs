using System.Text;
using System.Text.Json;

namespace Quai.Build.Syntax;

/// <summary>
/// The exec form's test: is the text a JSON array (BuildKit: a valid JSON document starting with
/// "["), and are its elements all strings?
/// </summary>
internal static class JsonStringArray
{
    public const string NotStringArrayMessage = "when using JSON array syntax, arrays must be comprised of strings only";

    /// <summary>
    /// The strings of the array; null when the text is not JSON (so it is shell form); throws when
    /// it is a JSON array holding anything but strings.
    /// </summary>
    public static List<string>? TryParse(string text)
    {
        text = text.TrimStart();
        if (!text.StartsWith('[')) return null;

        var values = new List<string>();
        bool onlyStrings = true;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions { MaxDepth = 10_000 });
            while (reader.Read())
            {
                if (reader.CurrentDepth != 1) continue;
                switch (reader.TokenType)
                {
                    case JsonTokenType.String: values.Add(reader.GetString()!); break;
                    case JsonTokenType.EndArray or JsonTokenType.EndObject: break;
                    default: onlyStrings = false; break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
        if (!onlyStrings) throw new SyntaxError(NotStringArrayMessage);
        return values;
    }
}
