using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Quai.Build.Tests;

using Quai.Build.Syntax;

/// <summary>
/// Prints a parsed Dockerfile with every public property of every record, one instruction per
/// line, leaving out only values equal to their type's default (null, false, 0, empty list, the
/// first enum member): so a test's expected text is the exact model, and a diff shows what moved.
/// </summary>
internal static class ModelPrinter
{
    private static readonly HashSet<string> Header = ["Keyword", "StartLine", "EndLine", "Original"];

    public static string Print(Dockerfile dockerfile)
    {
        var sb = new StringBuilder();
        foreach (var directive in dockerfile.Directives)
            sb.Append("directive ").Append(directive.Name).Append('=').Append(Quote(directive.Value)).Append(" @").Append(directive.Line).Append('\n');
        if (dockerfile.EscapeToken != '\\') sb.Append("escape ").Append(dockerfile.EscapeToken).Append('\n');
        foreach (var arg in dockerfile.GlobalArgs) sb.Append(Instruction(arg)).Append('\n');
        foreach (var stage in dockerfile.Stages)
        {
            sb.Append("stage ").Append(stage.Index);
            if (stage.Name is not null) sb.Append(' ').Append(stage.Name);
            sb.Append('\n');
            sb.Append("  ").Append(Instruction(stage.From)).Append('\n');
            foreach (var instruction in stage.Instructions) sb.Append("  ").Append(Instruction(instruction)).Append('\n');
        }
        return sb.ToString();
    }

    public static string Instruction(Instruction instruction)
    {
        var sb = new StringBuilder();
        sb.Append(instruction.Keyword).Append(' ').Append(instruction.StartLine).Append('-').Append(instruction.EndLine)
            .Append(' ').Append(Quote(instruction.Original));
        foreach (var property in Properties(instruction.GetType()))
        {
            if (Header.Contains(property.Name)) continue;
            AppendProperty(sb, property, instruction);
        }
        return sb.ToString();
    }

    public static string Value(object? value)
    {
        switch (value)
        {
            case null: return "null";
            case string s: return Quote(s);
            case char c: return Quote(c.ToString());
            case bool b: return b ? "true" : "false";
            case TimeSpan t: return t.ToString("c", CultureInfo.InvariantCulture);
            case Enum e: return e.ToString();
            case Instruction i: return "(" + Instruction(i) + ")";
            case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
            case IEnumerable list: return "[" + string.Join(", ", list.Cast<object?>().Select(Value)) + "]";
        }
        var sb = new StringBuilder("{");
        bool first = true;
        foreach (var property in Properties(value.GetType()))
        {
            int before = sb.Length;
            AppendProperty(sb, property, value);
            if (sb.Length != before && first)
            {
                sb.Remove(before, 1); // no space after {
                first = false;
            }
        }
        return sb.Append('}').ToString();
    }

    private static void AppendProperty(StringBuilder sb, PropertyInfo property, object owner)
    {
        object? value = property.GetValue(owner);
        if (IsDefault(value, property.PropertyType)) return;
        sb.Append(' ').Append(property.Name).Append('=').Append(Value(value));
    }

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "Syntax" && p.Name != "Check");

    private static bool IsDefault(object? value, Type type)
    {
        if (value is null) return true;
        if (value is string) return false;
        if (value is IEnumerable list) return !list.Cast<object?>().Any();
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null) return false; // a set nullable is shown, even 0 or false
        return type.IsValueType && value.Equals(Activator.CreateInstance(type));
    }

    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
