using Quai.Build.Syntax;

namespace Quai.Build.Lint;

/// <summary>
/// A rough reading of a RUN's shell script, enough for the optimisation rules: the simple commands
/// (split at <c>&amp;&amp;</c>, <c>||</c>, <c>;</c>, <c>|</c>, <c>&amp;</c> and new lines), each as words
/// with quotes removed, leading <c>sudo</c> and <c>NAME=value</c> assignments dropped.
/// </summary>
internal static class ShellCommands
{
    /// <summary>The script a RUN runs: its command line and the bodies of its heredocs.</summary>
    public static string Script(RunInstruction run) =>
        string.Join('\n', run.Command.Prepend(string.Join('\n', run.Heredocs.Select(h => h.Content))));

    public static List<List<string>> Commands(string script)
    {
        var commands = new List<List<string>>();
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        char quote = '\0';
        bool inWord = false;

        void EndWord()
        {
            if (inWord) words.Add(word.ToString());
            word.Clear();
            inWord = false;
        }
        void EndCommand()
        {
            EndWord();
            int start = 0;
            while (start < words.Count && (words[start] == "sudo" || IsAssignment(words[start]))) start++;
            if (start < words.Count) commands.Add(words.GetRange(start, words.Count - start));
            words = [];
        }

        for (int i = 0; i < script.Length; i++)
        {
            char ch = script[i];
            if (quote != '\0')
            {
                if (ch == quote) quote = '\0';
                else if (ch == '\\' && quote == '"' && i + 1 < script.Length) word.Append(script[++i]);
                else word.Append(ch);
                continue;
            }
            switch (ch)
            {
                case '\'' or '"':
                    quote = ch;
                    inWord = true;
                    break;
                case '\\' when i + 1 < script.Length:
                    if (script[i + 1] == '\n') i++; // a continuation inside a heredoc script
                    else { word.Append(script[++i]); inWord = true; }
                    break;
                case ' ' or '\t' or '\r':
                    EndWord();
                    break;
                case '\n' or ';' or '&' or '|' or '(' or ')':
                    EndCommand();
                    break;
                case '#' when !inWord:
                    while (i + 1 < script.Length && script[i + 1] != '\n') i++;
                    break;
                default:
                    word.Append(ch);
                    inWord = true;
                    break;
            }
        }
        EndCommand();
        return commands;
    }

    private static bool IsAssignment(string word)
    {
        int eq = word.IndexOf('=');
        return eq > 0 && word[..eq].All(c => c == '_' || char.IsAsciiLetterOrDigit(c)) && !char.IsAsciiDigit(word[0]);
    }
}

/// <summary>A package-manager install found in a RUN: the manager and the packages named.</summary>
/// <param name="Manager">apt, apk, pip or dnf (yum, microdnf and dnf alike).</param>
/// <param name="Command">The install command's words.</param>
/// <param name="Packages">The package arguments (options and their values left out).</param>
/// <param name="FromFile">True when the packages come from a file (pip -r, a local path).</param>
internal sealed record PackageInstall(string Manager, IReadOnlyList<string> Command, IReadOnlyList<string> Packages, bool FromFile)
{
    private static readonly Dictionary<string, HashSet<string>> OptionsWithValue = new()
    {
        ["apt"] = ["-o", "-t", "--target-release", "-c", "--config-file"],
        ["apk"] = ["-t", "--virtual", "-X", "--repository", "--repositories-file", "-p", "--root", "--arch"],
        ["pip"] = ["-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-t", "--target", "-e", "--editable", "-f", "--find-links", "--prefix", "--root", "--platform", "--python-version", "--trusted-host"],
        ["dnf"] = ["--setopt", "--enablerepo", "--disablerepo", "--releasever", "--installroot", "-c", "--config"],
    };

    public static IEnumerable<PackageInstall> Find(IEnumerable<List<string>> commands)
    {
        foreach (var words in commands)
        {
            string tool = Path.GetFileName(words[0]);
            int sub;
            string manager;
            switch (tool)
            {
                case "apt-get" or "apt" or "aptitude":
                    manager = "apt"; sub = words.IndexOf("install"); break;
                case "apk":
                    manager = "apk"; sub = words.IndexOf("add"); break;
                case "pip" or "pip3" or "pip2":
                    manager = "pip"; sub = words.IndexOf("install"); break;
                case "python" or "python3" when words.Count > 2 && words[1] == "-m" && words[2] is "pip" or "pip3":
                    manager = "pip"; sub = words.IndexOf("install"); break;
                case "dnf" or "yum" or "microdnf" or "tdnf":
                    manager = "dnf"; sub = words.IndexOf("install"); break;
                default:
                    continue;
            }
            if (sub < 0) continue;
            var packages = new List<string>();
            bool fromFile = false;
            var withValue = OptionsWithValue[manager];
            for (int i = sub + 1; i < words.Count; i++)
            {
                string w = words[i];
                if (w.StartsWith('-'))
                {
                    if (manager == "pip" && w is "-r" or "--requirement" || w.StartsWith("--requirement=", StringComparison.Ordinal)) fromFile = true;
                    if (withValue.Contains(w)) i++;
                    continue;
                }
                if (w.Length == 0) continue;
                if (w.StartsWith('.') || w.StartsWith('/') || w.EndsWith(".deb", StringComparison.Ordinal) || w.EndsWith(".whl", StringComparison.Ordinal) || w.EndsWith(".rpm", StringComparison.Ordinal) || w.Contains("://", StringComparison.Ordinal))
                {
                    fromFile = true;
                    continue;
                }
                packages.Add(w);
            }
            yield return new PackageInstall(manager, words, packages, fromFile);
        }
    }

    /// <summary>True when a package argument names a version (or is a variable that may).</summary>
    public bool IsPinned(string package) => package.Contains('$') || Manager switch
    {
        "apt" => package.Contains('='),
        "apk" => package.Contains('=') || package.Contains('~') || package.Contains('<') || package.Contains('>'),
        "pip" => package.Contains("==") || package.Contains("~=") || package.Contains('@'),
        _ => HasVersionSuffix(package),
    };

    /// <summary>name-1.2.3 (rpm's name-version), or name = version.</summary>
    private static bool HasVersionSuffix(string package)
    {
        for (int i = 1; i + 1 < package.Length; i++)
            if (package[i] == '-' && char.IsAsciiDigit(package[i + 1])) return true;
        return package.Contains('=');
    }
}
