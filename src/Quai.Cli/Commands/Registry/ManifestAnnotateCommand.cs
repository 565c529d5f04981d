using System.CommandLine;
using Quai.Oci.Image;
using Quai.Registry.Manifests;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>manifest annotate [OPTIONS] MANIFEST_LIST MANIFEST</c> (<c>--arch --os --os-version --os-features --variant</c>).</summary>
public static class ManifestAnnotateCommand
{
    public static Command Create(CliContext cli)
    {
        var os = new Option<string?>("--os") { Description = "Set operating system" };
        var arch = new Option<string?>("--arch") { Description = "Set architecture" };
        var osVersion = new Option<string?>("--os-version") { Description = "Set operating system version" };
        var osFeatures = new Option<string[]>("--os-features") { Description = "Set operating system feature", AllowMultipleArgumentsPerToken = false };
        var variant = new Option<string?>("--variant") { Description = "Set architecture variant" };
        var listArg = new Argument<string>("MANIFEST_LIST");
        var manifestArg = new Argument<string>("MANIFEST");
        var cmd = new Command("annotate", "Add additional information to a local image manifest") { os, arch, osVersion, osFeatures, variant, listArg, manifestArg };
        cmd.SetAction(p => ManifestCommand.Run(cli, p, (_, lists) =>
        {
            string listName = p.GetValue(listArg)!, manifestName = p.GetValue(manifestArg)!;
            Reference list, manifest;
            try { list = ManifestCommand.Normalize(listName); }
            catch (FormatException e) { throw new ManifestException($"annotate: error parsing name for manifest list {listName}: {e.Message}"); }
            try { manifest = ManifestCommand.Normalize(manifestName); }
            catch (FormatException e) { throw new ManifestException($"annotate: error parsing name for manifest {manifestName}: {e.Message}"); }
            // a string slice, as docker's flag: repeated, or comma-separated
            var features = (p.GetValue(osFeatures) ?? []).SelectMany(f => f.Split(',')).Where(f => f.Length > 0).ToList();
            new ManifestAnnotation(p.GetValue(os), p.GetValue(arch), p.GetValue(osVersion), features, p.GetValue(variant))
                .ApplyTo(lists, list, manifest, listName, manifestName);
            return 0;
        }));
        return cmd;
    }
}
