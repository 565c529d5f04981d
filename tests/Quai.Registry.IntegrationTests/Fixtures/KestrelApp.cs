using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>A Kestrel server on 127.0.0.1 with a kernel-chosen port, serving one request delegate,
/// over http or (with a certificate) https. The base of the fixtures' token server, proxies and
/// scripted registries; Dispose stops it.</summary>
public sealed class KestrelApp : IDisposable
{
    private readonly WebApplication _app;
    /// <summary>The port Kestrel bound.</summary>
    public int Port { get; }
    /// <summary>"127.0.0.1:PORT".</summary>
    public string Host => $"127.0.0.1:{Port}";
    /// <summary>http:// or https:// and <see cref="Host"/>.</summary>
    public Uri BaseUri { get; }

    public KestrelApp(RequestDelegate handler, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = null;
            o.AllowSynchronousIO = false;
            o.Listen(IPAddress.Loopback, 0, l => { if (certificate is not null) l.UseHttps(certificate); });
        });
        _app = builder.Build();
        _app.Run(handler);
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetService(typeof(IServer)) is IServer server
            ? server.Features.Get<IServerAddressesFeature>()!.Addresses.First() : throw new InvalidOperationException("no Kestrel server");
        Port = new Uri(address).Port;
        BaseUri = new Uri($"{(certificate is null ? "http" : "https")}://127.0.0.1:{Port}");
    }

    public void Dispose()
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            try { _app.StopAsync(cts.Token).GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
