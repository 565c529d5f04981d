using System.CommandLine;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Files;

namespace Quai.Cli.Commands.Containers;

/// <summary>cp, diff, export. cp and export go through <see cref="ContainerCopy"/> (fd-based, in-root);
/// diff still reads the overlay upper directory by path (the store's own directories).</summary>
public static class FileCommands
{
    public static Command Cp(CliContext cli)
    {
        var src = new Argument<string>("SRC_PATH");
        var dst = new Argument<string>("DEST_PATH");
        var archive = new Option<bool>("--archive", "-a") { Description = "Archive mode (copy all uid/gid information)" };
        var follow = new Option<bool>("--follow-link", "-L") { Description = "Always follow symbol link in SRC_PATH" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress progress output during copy" };
        var cmd = new Command("cp", "Copy files/folders between a container and the local filesystem") { archive, follow, quiet, src, dst };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var s = p.GetValue(src)!;
            var d = p.GetValue(dst)!;
            static (string? C, string Path) Split(string x)
            {
                var i = x.IndexOf(':');
                return i > 0 && !x[..i].Contains('/') ? (x[..i], x[(i + 1)..]) : (null, x);
            }
            var (sc, sp) = Split(s);
            var (dc, dp) = Split(d);
            if ((sc is null) == (dc is null)) throw new EngineUsageException("copying between containers is not supported; one of the paths must be a container path (CONTAINER:PATH)");
            // docker cp exits 1 for every failure (usage errors of the destination included)
            try { Copy(engine, sc, sp, dc, dp, new ContainerCopy.Options(p.GetValue(archive), p.GetValue(follow))); }
            catch (Exception e) { EngineCli.Fail(cli, e); return 1; }
            return 0;
        }));
        return cmd;
    }

    private static void Copy(ContainerEngine engine, string? sc, string sp, string? dc, string dp, ContainerCopy.Options o)
    {
        var c = engine.Inspect(sc ?? dc!);
        var copy = new ContainerCopy(engine);
        if (sc is not null && dp == "-")
        {
            using var stdout = Quai.Cli.Output.StdStreams.OpenOut();
            copy.CopyOutArchive(c, sp, stdout, o);
        }
        else if (sc is not null) copy.CopyOut(c, sp, dp, o);
        else if (sp == "-")
        {
            using var stdin = Quai.Cli.Output.StdStreams.OpenIn();
            copy.CopyInArchive(c, stdin, dp, o);
        }
        else copy.CopyIn(c, sp, dp, o);
    }

    public static Command Diff(CliContext cli)
    {
        var target = new Argument<string>("CONTAINER");
        var cmd = new Command("diff", "Inspect changes to files or directories on a container's filesystem") { target };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(target)!);
            foreach (var (path, kind) in ContainerChanges.Diff(c)) cli.Out.WriteLine($"{kind} {path}");
            return 0;
        }));
        return cmd;
    }

    public static Command Export(CliContext cli)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write to a file, instead of STDOUT" };
        var target = new Argument<string>("CONTAINER");
        var cmd = new Command("export", "Export a container's filesystem as a tar archive") { output, target };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(target)!);
            if (p.GetValue(output) is null && !Console.IsOutputRedirected)
                throw new EngineUsageException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            using var stream = p.GetValue(output) is { } o ? File.Create(o) : Quai.Cli.Output.StdStreams.OpenOut();
            new ContainerCopy(engine).Export(c, stream);
            return 0;
        }));
        return cmd;
    }
}
