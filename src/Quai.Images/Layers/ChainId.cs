using System.Text;
using Quai.Oci.Image;

namespace Quai.Images.Layers;

/// <summary>Layer chain IDs (image-spec "ChainID"): identify a stack of layers, hence a committed snapshot.</summary>
public static class ChainId
{
    public static Digest Next(Digest? parentChain, Digest diffId)
        => parentChain is { } p ? Digest.Compute(Encoding.ASCII.GetBytes($"{p} {diffId}")) : diffId;

    public static List<Digest> Compute(IEnumerable<Digest> diffIds)
    {
        var result = new List<Digest>();
        Digest? chain = null;
        foreach (var d in diffIds) result.Add((chain = Next(chain, d)).Value);
        return result;
    }
}
