using Quai.Engine.Containers;
using Quai.Images;
using Quai.Images.Metadata;
using OciConfig = Quai.Oci.Image.ContainerConfig;

namespace Quai.Engine;

public sealed partial class ContainerEngine
{
    /// <summary><c>docker commit</c>: the container's writable layer becomes a new layer on its image, with the
    /// container's config (env, command, user, workdir, labels… as it runs) and <c>--change</c>s applied. A running
    /// container is frozen for the copy when <paramref name="pause"/> (Docker's default), so the layer is one
    /// instant of its files; the diff walks the layer by descriptor either way (<see cref="Quai.Images.Layers.DiffWriter"/>).</summary>
    public ImageRecord Commit(string idOrName, CommitOptions options, bool pause = true)
    {
        var c = Inspect(idOrName);
        var r = c.Config;
        options.Config ??= new OciConfig
        {
            User = r.User.Length > 0 ? r.User : null,
            Env = [.. r.Env],
            Entrypoint = r.Entrypoint is null ? null : [.. r.Entrypoint],
            Cmd = r.Cmd is null ? null : [.. r.Cmd],
            WorkingDir = r.WorkingDir.Length > 0 ? r.WorkingDir : null,
            Labels = r.Labels.Count > 0 ? new Dictionary<string, string>(r.Labels) : null,
            Volumes = r.Volumes is null ? null : new(r.Volumes.Keys.Select(k => KeyValuePair.Create(k, new Quai.Oci.Image.EmptyObject()))),
            StopSignal = r.StopSignal,
            StopTimeout = r.StopTimeout,
            Healthcheck = r.Healthcheck,
        };
        if (options.CreatedBy.Length == 0) options.CreatedBy = string.Join(' ', (r.Entrypoint ?? []).Concat(r.Cmd ?? []));
        var paused = false;
        if (pause && c.State.Status == "running")
        {
            Runtime.Pause(c.Id);
            paused = true;
        }
        try { return Images.CommitRootfs(c.Id, options); }
        finally { if (paused) Runtime.Resume(c.Id); }
    }
}
