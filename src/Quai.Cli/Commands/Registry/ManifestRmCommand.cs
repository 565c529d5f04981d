using System.CommandLine;
using Quai.Registry.Manifests;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>manifest rm MANIFEST_LIST [MANIFEST_LIST...]</c>: removes each list it can; the others' errors are
/// printed together (docker's <c>No such manifest: REF</c>), exit status 1.</summary>
public static class ManifestRmCommand
{
    public static Command Create(CliContext cli)
    {
        var names = new Argument<string[]>("MANIFEST_LIST") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("rm", "Delete one or more manifest lists from local storage") { names };
        cmd.SetAction(p => ManifestCommand.Run(cli, p, (_, lists) =>
        {
            var errors = new List<string>();
            foreach (var name in p.GetValue(names)!)
            {
                try
                {
                    var list = ManifestCommand.Normalize(name);
                    if (!lists.Remove(list)) errors.Add(new ManifestNotFoundException(list.ToString()).Message);
                }
                catch (FormatException e) { errors.Add(e.Message); }
            }
            if (errors.Count > 0) throw new ManifestException(string.Join('\n', errors));
            return 0;
        }));
        return cmd;
    }
}
