using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Quai.Engine.Containers;
using Quai.Images;

namespace Quai.Daemon.Api;

/// <summary>A request the daemon refuses before calling the engine (a bad parameter, a malformed body): its status and message.</summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>Errors as dockerd answers them: <c>{"message": "…"}</c> with the status of the error's class
/// (404 missing objects, 409 conflicts, 400 bad parameters, 500 the rest). The engine's exception classes are
/// mapped, never their message text.</summary>
public static class ApiError
{
    public static int StatusOf(Exception e) => e switch
    {
        ApiException a => a.Status,
        NotFoundException or ImageNotFoundException => 404,
        ConflictException or ImageConflictException or ContainerBusyException => 409,
        EngineUsageException or FormatException or ArgumentException or JsonException => 400,
        ContainerStartException => 400,
        _ => 500,
    };

    public static string MessageOf(Exception e) => e switch
    {
        JsonException j => $"invalid JSON: {j.Message}",
        _ => e.Message,
    };

    public static async Task Write(HttpContext ctx, int status, string message)
    {
        if (ctx.Response.HasStarted) { ctx.Abort(); return; }
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("message", message);
            w.WriteEndObject();
        }
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory);
        await ctx.Response.Body.WriteAsync("\n"u8.ToArray());
    }

    /// <summary>Catches what a handler throws and answers it as dockerd would; a client gone away is not an error.</summary>
    public static async Task Middleware(HttpContext ctx, Func<Task> next)
    {
        try { await next(); }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) { await Write(ctx, e.StatusCode, e.Message); }
        catch (Exception e)
        {
            var status = StatusOf(e);
            if (status == 500) Console.Error.WriteLine($"{ctx.Request.Method} {ctx.Request.Path}: {e}");
            await Write(ctx, status, MessageOf(e));
        }
    }
}
