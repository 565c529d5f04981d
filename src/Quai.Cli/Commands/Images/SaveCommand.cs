using System.CommandLine;
using Quai.Images.Archives;

namespace Quai.Cli.Commands.Images;

/// <summary><c>save</c>: docker-archive (default) or <c>--format oci-archive</c>, to -o FILE or stdout.</summary>
public static class SaveCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write to a file, instead of STDOUT" };
        var format = new Option<string>("--format") { Description = "Archive format: docker-archive (default) or oci-archive", DefaultValueFactory = _ => "docker-archive" };
        format.AcceptOnlyFromAmong("docker-archive", "docker", "oci-archive", "oci");
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command(name, "Save one or more images to a tar archive (streamed to STDOUT by default)") { output, format, images };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var fmt = p.GetValue(format) is "oci" or "oci-archive" ? ArchiveFormat.Oci : ArchiveFormat.Docker;
            var path = p.GetValue(output);
            if (path is null && !Console.IsOutputRedirected)
                throw new UsageException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            // Write next to the destination and rename, so a failed save never leaves a truncated archive.
            if (path is not null)
            {
                var full = Path.GetFullPath(path);
                var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
                try
                {
                    using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                        store.Save(p.GetValue(images)!, f, fmt);
                    File.Move(temp, full, overwrite: true);
                }
                finally
                {
                    File.Delete(temp);
                }
            }
            else
            {
                using var stdout = Quai.Cli.Output.StdStreams.OpenOut();
                store.Save(p.GetValue(images)!, stdout, fmt);
            }
            foreach (var i in p.GetValue(images)!) if (store.TryFind(i) is { } saved) Quai.Engine.Events.ImageEvents.Emit(store.Root, "save", saved.Id, i);
            return 0;
        }));
        return cmd;
    }
}
