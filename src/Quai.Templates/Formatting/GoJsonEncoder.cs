using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Quai.Templates.Formatting;

/// <summary>The shared System.Text.Json setting for every JSON Quai prints: strings escaped as Go's encoding/json does
/// (<c>\"</c> not <c>\u0022</c>; <c>&lt; &gt; &amp;</c> as <c>\u003c \u003e \u0026</c>; non-ASCII as UTF-8), so
/// <c>inspect</c> prints what <c>docker inspect</c> prints.</summary>
public sealed class GoJsonEncoder : JavaScriptEncoder
{
    /// <summary>Go's default (HTML-safe) escaping, as the daemon's API encodes.</summary>
    public static readonly GoJsonEncoder Html = new(true);
    /// <summary>Go's escaping with <c>SetEscapeHTML(false)</c>, as docker-cli's <c>json</c> template function encodes.</summary>
    public static readonly GoJsonEncoder NoHtml = new(false);

    private readonly bool _html;
    private GoJsonEncoder(bool html) { _html = html; }

    public static JsonWriterOptions Writer(bool indented = false, bool html = true) =>
        new() { Encoder = html ? Html : NoHtml, Indented = indented, IndentSize = 4 };

    public override int MaxOutputCharactersPerInputCharacter => 6;

    private bool Needs(int c) => c < 0x20 || c == '"' || c == '\\' || c == 0x2028 || c == 0x2029 || (_html && c is '<' or '>' or '&');

    public override bool WillEncode(int unicodeScalar) => Needs(unicodeScalar);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
            if (Needs(text[i])) return i;
        return -1;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var s = Encoding.UTF8.GetString(utf8Text);
        for (int i = 0, b = 0; i < s.Length; i++)
        {
            if (Needs(s[i])) return b;
            b += char.IsHighSurrogate(s[i]) && i + 1 < s.Length ? 4 : Encoding.UTF8.GetByteCount(s.AsSpan(i, 1));
            if (char.IsHighSurrogate(s[i])) i++;
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        string? esc = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\b' => "\\b",
            '\f' => "\\f",
            _ when Needs(unicodeScalar) => "\\u" + unicodeScalar.ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        };
        if (esc is null)
        {
            var s = char.ConvertFromUtf32(unicodeScalar);
            if (bufferLength < s.Length) { numberOfCharactersWritten = 0; return false; }
            for (int i = 0; i < s.Length; i++) buffer[i] = s[i];
            numberOfCharactersWritten = s.Length;
            return true;
        }
        if (bufferLength < esc.Length) { numberOfCharactersWritten = 0; return false; }
        for (int i = 0; i < esc.Length; i++) buffer[i] = esc[i];
        numberOfCharactersWritten = esc.Length;
        return true;
    }
}
