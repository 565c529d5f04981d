using Quai.Engine.Containers;

namespace Quai.Cli.Commands.Containers;

/// <summary>How a CLI attaches to a container: which streams (-a), stdin (-i), the terminal,
/// signal proxying (--sig-proxy) and the key sequence that detaches (--detach-keys).</summary>
public sealed record AttachOptions(bool Stdin, bool Tty, bool Stdout = true, bool Stderr = true, bool SigProxy = true, byte[]? DetachKeys = null)
{
    /// <summary>Docker's default detach sequence: ctrl-p, ctrl-q.</summary>
    public static readonly byte[] DefaultDetachKeys = [0x10, 0x11];

    /// <summary>Parses --detach-keys: comma-separated single characters or ctrl-&lt;x&gt;
    /// (x a letter or one of @[\]^_), as Docker does.</summary>
    public static byte[] ParseDetachKeys(string value)
    {
        var keys = new List<byte>();
        foreach (var part in value.Split(','))
        {
            if (part.Length == 1) { keys.Add((byte)part[0]); continue; }
            if (part.StartsWith("ctrl-", StringComparison.Ordinal) && part.Length == 6)
            {
                var c = char.ToLowerInvariant(part[5]);
                if (c is >= 'a' and <= 'z') { keys.Add((byte)(c - 'a' + 1)); continue; }
                var i = "@[\\]^_".IndexOf(c);
                if (i >= 0) { keys.Add((byte)(i == 0 ? 0 : 27 + i - 1)); continue; }
            }
            throw new EngineUsageException($"Invalid detach keys ({value}) provided");
        }
        if (keys.Count == 0) throw new EngineUsageException($"Invalid detach keys ({value}) provided");
        return [.. keys];
    }

    /// <summary>Reads -a/--attach values (stdin, stdout, stderr, any case).</summary>
    public static (bool Stdin, bool Stdout, bool Stderr) ParseStreams(IReadOnlyCollection<string> values)
    {
        bool i = false, o = false, e = false;
        foreach (var v in values)
            switch (v.ToLowerInvariant())
            {
                case "stdin": i = true; break;
                case "stdout": o = true; break;
                case "stderr": e = true; break;
                default: throw new EngineUsageException($"invalid argument \"{v}\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR");
            }
        return (i, o, e);
    }
}
