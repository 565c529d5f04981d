using Quai.Fs;

namespace Quai.Images.Layers;

/// <summary>Applies an uncompressed layer tar onto a directory holding the merged view of the layers
/// below it: the in-root, hostile-tar-safe <see cref="TarExtractor"/> with whiteouts.</summary>
public static class LayerApplier
{
    public const string WhiteoutPrefix = TarExtractor.WhiteoutPrefix;
    public const string OpaqueWhiteout = TarExtractor.OpaqueWhiteout;

    public static ApplyResult Apply(Stream tar, string root) => Apply(tar, root, overlayUpper: false);

    /// <summary>With <paramref name="overlayUpper"/>, <paramref name="root"/> is an overlay's empty upper directory,
    /// not a merged view: whiteouts are written in overlay's form, and a layer that needs the layers below throws
    /// <see cref="MergedViewRequiredException"/> (<see cref="ExtractOptions.OverlayUpper"/>).</summary>
    public static ApplyResult Apply(Stream tar, string root, bool overlayUpper) =>
        TarExtractor.Extract(tar, root, new ExtractOptions { Whiteouts = true, OverlayUpper = overlayUpper, What = "layer entry" });

    /// <summary>Overlay's own attributes are never taken from an archive: they would forge whiteouts and redirects.</summary>
    public static bool XattrAllowed(string name) => TarExtractor.XattrAllowed(name);
}
