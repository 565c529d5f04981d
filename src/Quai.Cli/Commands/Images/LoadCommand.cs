using System.CommandLine;
using Quai.Oci.Image;

namespace Quai.Cli.Commands.Images;

/// <summary><c>load</c>: docker-archive, OCI archive or OCI layout directory, from -i or stdin.</summary>
public static class LoadCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var input = new Option<string?>("--input", "-i") { Description = "Read from tar archive file (or OCI layout directory), instead of STDIN" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the load output" };
        var platform = new Option<string?>("--platform") { Description = "Load only the given platform of a multi-platform image (os[/arch[/variant]])" };
        var cmd = new Command(name, "Load an image from a tar archive or STDIN") { input, quiet, platform };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var plat = p.GetValue(platform) is { } s ? Platform.Parse(s) : null;
            var path = p.GetValue(input);
            if (path is null && !Console.IsInputRedirected)
                throw new UsageException("requested load from stdin, but stdin is empty");
            List<Quai.Images.Archives.LoadedImage> loaded;
            if (path is not null)
            {
                if (!File.Exists(path) && !Directory.Exists(path)) throw new UsageException($"open {path}: no such file or directory");
                loaded = store.Load(path, plat);
            }
            else
            {
                using var stdin = Quai.Cli.Output.StdStreams.OpenIn();
                loaded = store.Load(stdin, plat);
            }
            if (!p.GetValue(quiet))
            {
                foreach (var img in loaded)
                {
                    Quai.Engine.Events.ImageEvents.Emit(store.Root, "load", img.Id, img.Tags.Count > 0 ? img.Tags[0].ToString() : null);
                    if (img.Tags.Count == 0) cli.Out.WriteLine($"Loaded image ID: {img.Id}");
                    foreach (var t in img.Tags) cli.Out.WriteLine($"Loaded image: {t.ToFamiliarString()}");
                }
            }
            return 0;
        }));
        return cmd;
    }
}
