using Quai.Build.Syntax;
using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Build.Executor;

/// <summary>The platform side of a stage: which platform its FROM wants (<c>FROM --platform=…</c>, else the
/// build's target), and whether this host can run the programs of its image (RUN).</summary>
internal sealed partial class StageRunner
{
    /// <summary><c>FROM --platform=VALUE</c> expanded with the global ARGs (<c>$BUILDPLATFORM</c>, <c>$TARGETPLATFORM</c>…);
    /// without the flag, the platform the build makes.</summary>
    private Platform StagePlatform()
    {
        if (stage.From.Platform is not { } text) return run.TargetPlatform;
        string value;
        try { value = run.Expander.ProcessWord(text, n => run.GlobalArgs.GetValueOrDefault(n)); }
        catch (ShellExpansionException e) { throw new BuildException($"{Where(stage.From)}: FROM --platform={text}: {e.Message}"); }
        try { return BuildPlatforms.Parse(value); }
        catch (FormatException e) { throw new BuildException($"{Where(stage.From)}: {e.Message}"); }
    }

    /// <summary>FROM names a local image that is not of the wanted platform (nor an index holding it).</summary>
    private BuildException NoPlatform(ImageRecord found, Platform wanted)
    {
        var listed = run.Engine.Images.IndexPlatforms(found);
        var has = listed.Count > 0 ? string.Join(", ", listed.Select(BuildPlatforms.Format)) : BuildPlatforms.Format(run.Engine.Images.Describe(found).Config.Platform);
        return new BuildException($"{Where(stage.From)}: FROM {from}: no local image for platform {BuildPlatforms.Format(wanted)} "
            + $"(the local {from} is {has}); load or import one for {BuildPlatforms.Format(wanted)}");
    }

    /// <summary>Before a RUN: the image's platform must be one this host runs, natively or through qemu.</summary>
    private void EnsureCanRun(RunInstruction r)
    {
        var platform = run.Engine.Images.Resolve(_image!).Config.Platform;
        if (BuildPlatforms.CannotRun(platform) is { } why) throw new BuildException($"{Where(r)}: RUN: {why}");
    }
}
