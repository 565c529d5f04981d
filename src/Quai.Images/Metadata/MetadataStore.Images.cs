using Microsoft.Data.Sqlite;

namespace Quai.Images.Metadata;

public sealed partial class MetadataStore
{
    private const string ImageColumns = "id, target_digest, target_media_type, target_size, manifest_digest, config_digest, top_chain, created, size, added, platform, build_step";

    private static ImageRecord ReadImage(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetString(4), r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : ParseTime(r.GetString(7)),
        r.GetInt64(8), ParseTime(r.GetString(9)), r.GetString(10), r.GetInt64(11) != 0);

    public List<ImageRecord> Images(SqliteTransaction? tx = null) => Query($"SELECT {ImageColumns} FROM images ORDER BY added DESC", ReadImage, tx);

    public ImageRecord? Image(string id, SqliteTransaction? tx = null)
        => Query($"SELECT {ImageColumns} FROM images WHERE id=$id", ReadImage, tx, ("$id", id)).FirstOrDefault();

    /// <summary>Images whose ID starts with the given hex prefix (for short IDs).</summary>
    public List<ImageRecord> ImagesByIdPrefix(string hexPrefix, SqliteTransaction? tx = null)
        => Query($"SELECT {ImageColumns} FROM images WHERE id >= $lo AND id < $hi", ReadImage, tx,
            ("$lo", "sha256:" + hexPrefix), ("$hi", "sha256:" + hexPrefix + "g"));

    public List<ImageRecord> ImagesByTargetOrManifest(string digest, SqliteTransaction? tx = null)
        => Query($"SELECT {ImageColumns} FROM images WHERE target_digest=$d OR manifest_digest=$d", ReadImage, tx, ("$d", digest));

    /// <summary>Adds the image (or keeps the existing row) and records the blobs it references. An image that
    /// is registered again as anything but a build step stops being one.</summary>
    public void PutImage(ImageRecord img, IEnumerable<string> blobDigests, SqliteTransaction tx)
    {
        Exec($"INSERT INTO images({ImageColumns}) VALUES($id,$td,$tmt,$ts,$md,$cd,$tc,$cr,$sz,$ad,$pl,$bs) ON CONFLICT(id) DO UPDATE SET build_step = images.build_step AND excluded.build_step", tx,
            ("$id", img.Id), ("$td", img.TargetDigest), ("$tmt", img.TargetMediaType), ("$ts", img.TargetSize),
            ("$md", img.ManifestDigest), ("$cd", img.ConfigDigest), ("$tc", img.TopChain),
            ("$cr", img.Created is { } c ? Time(c) : null), ("$sz", img.Size), ("$ad", Time(img.Added)), ("$pl", img.Platform), ("$bs", img.BuildStep ? 1 : 0));
        foreach (var d in blobDigests)
            Exec("INSERT OR IGNORE INTO image_blobs(image_id, digest) VALUES($i,$d)", tx, ("$i", img.Id), ("$d", d));
    }

    /// <summary>Marks an image as a build step (hidden by <c>images</c> when untagged) or as a build's result.</summary>
    public void SetBuildStep(string id, bool step, SqliteTransaction tx)
        => Exec("UPDATE images SET build_step=$b WHERE id=$id", tx, ("$b", step ? 1 : 0), ("$id", id));

    public void DeleteImage(string id, SqliteTransaction tx) => Exec("DELETE FROM images WHERE id=$id", tx, ("$id", id));

    public string? TagTarget(string name, SqliteTransaction? tx = null) => Scalar("SELECT image_id FROM tags WHERE name=$n", tx, ("$n", name)) as string;

    /// <summary>Points a tag at an image; returns the image it pointed to before (or null).</summary>
    public string? SetTag(string name, string imageId, SqliteTransaction tx)
    {
        var old = TagTarget(name, tx);
        Exec("INSERT INTO tags(name, image_id) VALUES($n,$i) ON CONFLICT(name) DO UPDATE SET image_id=excluded.image_id", tx, ("$n", name), ("$i", imageId));
        return old;
    }

    public bool DeleteTag(string name, SqliteTransaction tx) => Exec("DELETE FROM tags WHERE name=$n", tx, ("$n", name)) > 0;

    public List<string> TagsOf(string imageId, SqliteTransaction? tx = null)
        => Query("SELECT name FROM tags WHERE image_id=$i ORDER BY name", r => r.GetString(0), tx, ("$i", imageId));

    public List<(string Name, string ImageId)> AllTags(SqliteTransaction? tx = null)
        => Query("SELECT name, image_id FROM tags ORDER BY name", r => (r.GetString(0), r.GetString(1)), tx);
}
