using System.Text;
using Quai.Templates.Exec;

namespace Quai.Templates.Docker;

/// <summary>docker-cli's formatter for list commands: <c>table</c> (the default columns), <c>table TEMPLATE</c>
/// (a header row from the header context, then tab-aligned rows), <c>json</c> (<c>{{json .}}</c>, one object a line),
/// or a plain TEMPLATE (one execution a line). <c>\t</c> and <c>\n</c> written as two characters are unescaped.</summary>
public sealed class OutputFormat
{
    private readonly Template _template;

    public bool IsTable { get; }
    public bool IsJson { get; }

    private OutputFormat(Template template, bool table, bool json)
    {
        _template = template;
        IsTable = table;
        IsJson = json;
    }

    /// <summary>Parses a <c>--format</c> value; <paramref name="defaultTable"/> is used for an empty value and <c>table</c>.</summary>
    public static OutputFormat Parse(string? format, string defaultTable)
    {
        format ??= "";
        if (format is "" or "table") format = defaultTable;
        bool table = format.StartsWith("table", StringComparison.Ordinal);
        bool json = format == "json";
        var final = table ? format[5..] : json ? "{{json .}}" : format;
        final = final.Trim(' ').Replace("\\t", "\t").Replace("\\n", "\n");
        return new OutputFormat(Template.Parse(final), table, json);
    }

    /// <summary>Renders rows (and, for a table, the header executed over <paramref name="header"/> with docker's header
    /// functions) into the text to print. An execution error throws <see cref="TemplateException"/>; nothing is printed.</summary>
    public string Render(IEnumerable<object?> rows, object? header)
    {
        var body = new StringBuilder();
        foreach (var row in rows)
        {
            _template.Execute(body, row);
            body.Append('\n');
        }
        if (!IsTable) return body.ToString();
        var head = new StringBuilder();
        try { _template.WithFunctions(DockerFunctions.Header).Execute(head, header); }
        catch (TemplateException) { } // docker ignores the header's errors and keeps what was written
        head.Append('\n');
        var tw = new TabWriter();
        tw.Write(head.ToString());
        tw.Write(body.ToString());
        return tw.Flush();
    }
}
