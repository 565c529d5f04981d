using Quai.Oci.Image;

namespace Quai.Registry.Client;

/// <summary>A manifest or index as the registry sent it: its exact bytes, media type and digest (computed from the bytes).</summary>
public sealed record FetchedManifest(byte[] Bytes, string MediaType, Digest Digest);
