namespace Quai.Images;

/// <summary>What happens to one layer while an image is unpacked (Docker's "Extracting", "Pull complete",
/// "Already exists").</summary>
public enum LayerEvent
{
    /// <summary>Its snapshot is being written.</summary>
    Extracting,
    /// <summary>Its snapshot is committed.</summary>
    Complete,
    /// <summary>The snapshot of this layer on these parents was already in the store: nothing to unpack.</summary>
    AlreadyExists,
}
