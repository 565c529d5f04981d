using System.Buffers.Binary;

namespace Quai.Daemon.Api;

/// <summary>Docker's multiplexed stream (logs and attach of a container without a TTY): frames of
/// [stream: 0 stdin, 1 stdout, 2 stderr][0 0 0][payload length, uint32 big-endian][payload].</summary>
public static class StreamFrames
{
    public const string Multiplexed = "application/vnd.docker.multiplexed-stream";
    public const string Raw = "application/vnd.docker.raw-stream";

    public static byte[] Frame(byte stream, ReadOnlySpan<byte> payload)
    {
        var f = new byte[8 + payload.Length];
        f[0] = stream;
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(f.AsSpan(8));
        return f;
    }

    /// <summary>The content type of a container's stream for API <paramref name="version"/>: before 1.42 both were raw-stream.</summary>
    public static string ContentType(bool tty, Version version) =>
        tty || version < new Version(1, 42) ? Raw : Multiplexed;
}
