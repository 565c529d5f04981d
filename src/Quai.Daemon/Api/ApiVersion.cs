using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Quai.Daemon.Api;

/// <summary>dockerd's version negotiation: every path may start with /v1.NN; 1.24..1.50 are served, older and
/// newer are refused with Docker's 400 messages; every answer carries the API-Version, OSType, Docker-Experimental
/// and Server headers.</summary>
public static partial class ApiVersion
{
    public const string Current = "1.50";
    public const string Minimum = "1.24";
    public const string EngineVersion = "28.2.2";
    public const string ItemKey = "quai.api-version";

    [GeneratedRegex(@"^/v(\d+)\.(\d+)(/.*)?$")]
    private static partial Regex Prefix();

    /// <summary>The version a request asked for (the current one when its path has none).</summary>
    public static Version Of(HttpContext ctx) => ctx.Items[ItemKey] as Version ?? Version.Parse(Current);

    public static async Task Middleware(HttpContext ctx, Func<Task> next)
    {
        var h = ctx.Response.Headers;
        h["Api-Version"] = Current;
        h["Docker-Experimental"] = "false";
        h["Ostype"] = "linux";
        h["Server"] = $"Docker/{EngineVersion} (linux)";
        var path = ctx.Request.Path.Value ?? "/";
        var m = Prefix().Match(path);
        if (m.Success)
        {
            var v = new Version(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
            var text = $"{m.Groups[1].Value}.{m.Groups[2].Value}";
            if (v < Version.Parse(Minimum))
            {
                await ApiError.Write(ctx, 400, $"client version {text} is too old. Minimum supported API version is {Minimum}, please upgrade your client to a newer version");
                return;
            }
            if (v > Version.Parse(Current))
            {
                await ApiError.Write(ctx, 400, $"client version {text} is too new. Maximum supported API version is {Current}");
                return;
            }
            ctx.Items[ItemKey] = v;
            ctx.Request.Path = m.Groups[3].Success ? m.Groups[3].Value : "/";
        }
        await next();
    }
}
