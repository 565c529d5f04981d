namespace Quai.Images.Metadata;

/// <summary>One image in the store. <see cref="Id"/> is the config digest for a single-platform image and the
/// index digest for a multi-platform image kept whole. <see cref="TopChain"/> is the chain ID of the committed
/// snapshot holding its unpacked root filesystem (null for an image with no layers). <see cref="BuildStep"/> marks
/// an image a build made for one of its steps and that is no build's result: <c>images</c> hides it untagged.</summary>
public sealed record ImageRecord(
    string Id, string TargetDigest, string TargetMediaType, long TargetSize,
    string ManifestDigest, string ConfigDigest, string? TopChain,
    DateTimeOffset? Created, long Size, DateTimeOffset Added, string Platform, bool BuildStep = false);

/// <summary>A snapshot: committed ones are named by layer chain ID, active ones by their owner's key.</summary>
public sealed record SnapshotRecord(long Id, string Key, string? Parent, SnapshotKind Kind, long Size, string? ImageId, DateTimeOffset Created);

public enum SnapshotKind { Active, Committed }
