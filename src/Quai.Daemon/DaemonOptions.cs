using Quai.Images;

namespace Quai.Daemon;

/// <summary>What `quai daemon` was asked to serve: its listeners (-H), the group given the sockets, the store.</summary>
public sealed class DaemonOptions
{
    public const string DefaultSocket = "/run/quai/quai.sock";
    public const string DefaultGroup = "quai";

    /// <summary>-H/--host values (unix:///path); empty: <see cref="DefaultSocket"/>.</summary>
    public List<string> Hosts { get; set; } = [];
    /// <summary>--group: the group that may use the sockets (mode 0660); default "quai" when it exists, else root only.</summary>
    public string? Group { get; set; }
    /// <summary>--tlsverify/--tlscacert/--tlscert/--tlskey were given (TCP listeners need them).</summary>
    public bool Tls { get; set; }
    public ImageStoreOptions Store { get; set; } = new();
}
