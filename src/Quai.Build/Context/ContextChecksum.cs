using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Quai.Oci.Image;

namespace Quai.Build.Context;

/// <summary>
/// The checksum <see cref="BuildContext.Checksum"/> gives a COPY source: SHA-256 over a versioned, length-
/// prefixed record of each match (its name) and each entry of its tree: type, path relative to the match,
/// permission bits, uid, gid, then the size and content SHA-256 of a file, the target of a symlink or the
/// device number of a node. Modification and access times are left out on purpose.
/// </summary>
internal static class ContextChecksum
{
    private const string Version = "quai-build-context-checksum/1";
    private const byte EndOfTree = 0xFF;

    public static Digest Compute(BuildContext context, IReadOnlyList<SourceMatch> matches)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        String(h, Version);
        U64(h, (ulong)matches.Count);
        foreach (var m in matches)
        {
            String(h, m.Name);
            var root = m.Entry.Path;
            foreach (var e in context.Tree(m.Entry))
            {
                h.AppendData([(byte)e.Type]);
                String(h, e.Path.Length == root.Length ? "" : e.Path[(root.Length == 0 ? 0 : root.Length + 1)..]);
                U32(h, e.Mode);
                U32(h, e.Uid);
                U32(h, e.Gid);
                switch (e.Type)
                {
                    case ContextEntryType.File: U64(h, (ulong)e.Size); h.AppendData(context.ContentHash(e)); break;
                    case ContextEntryType.Symlink: String(h, e.LinkTarget!); break;
                    case ContextEntryType.CharDevice or ContextEntryType.BlockDevice: U64(h, e.DeviceNumber); break;
                }
            }
            h.AppendData([EndOfTree]);
        }
        return Digest.FromHash(h.GetHashAndReset());
    }

    private static void String(IncrementalHash h, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        U32(h, (uint)bytes.Length);
        h.AppendData(bytes);
    }

    private static void U32(IncrementalHash h, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        h.AppendData(b);
    }

    private static void U64(IncrementalHash h, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        h.AppendData(b);
    }
}
