using System.Diagnostics;

namespace Quai.Engine.IntegrationTests;

/// <summary>The course's three example Dockerfiles (its "Deep dive into Image" slides) built and run: a C
/// program `hello` on an ubuntu base that has glibc, on an alpine base that needs `apk add gcompat` first,
/// and, linked statically, on scratch. No registry here, so the bases are made locally from busybox, with
/// the same structure: "ubuntu" holds the host's glibc; "alpine" holds none, but an `apk` whose package
/// gcompat installs it; the three Dockerfiles are the course's text with only the base name changed.</summary>
public sealed class CourseDockerfileTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly BuildDir b = new(q);

    public void Dispose() => b.Dispose();

    private const string Greeting = "Hello, World!";

    private const string HelloC = """
        #include <stdio.h>
        int main(void) { puts("Hello, World!"); return 0; }
        """;

    private const string Apk = """
        #!/bin/sh
        # apk add PKG...: installs packages from the image's local repository (no network here)
        [ "$1" = add ] || { echo "usage: apk add PKG..." >&2; exit 1; }
        shift
        for p in "$@"; do
            [ -d "/usr/share/apk/$p" ] || { echo "ERROR: unable to select packages: $p (no such package)" >&2; exit 1; }
            busybox cp -a "/usr/share/apk/$p/." /
            echo "OK: installed $p"
        done
        """;

    private static void Gcc(string output, params string[] flags)
    {
        var psi = new ProcessStartInfo("gcc") { RedirectStandardError = true };
        foreach (var f in flags) psi.ArgumentList.Add(f);
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add(output);
        psi.ArgumentList.Add("-x");
        psi.ArgumentList.Add("c");
        psi.ArgumentList.Add("-");
        psi.RedirectStandardInput = true;
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(HelloC);
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "gcc: " + err);
    }

    /// <summary>The shared libraries (and loader) a dynamic executable needs, from ldd.</summary>
    private static List<string> Libraries(string exe)
    {
        var psi = new ProcessStartInfo("ldd", [exe]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.Split('\n').Select(l => l.Trim().Split(' ')).Select(w => w.Length >= 3 && w[1] == "=>" ? w[2] : w[0])
            .Where(path => path.StartsWith('/')).ToList();
    }

    /// <summary>A context directory holding `files` (host path → path in the context).</summary>
    private string Context(string name, Dictionary<string, string> files, string dockerfile)
    {
        var dir = Path.Combine(b.Dir, name);
        foreach (var (host, rel) in files)
        {
            var dest = Path.Combine(dir, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(host, dest);
            File.SetUnixFileMode(dest, File.GetUnixFileMode(host) | UnixFileMode.UserRead);
        }
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "Dockerfile"), dockerfile);
        return dir;
    }

    private void BuildOk(string context, string tag)
    {
        var r = b.BuildIn(context, "-t", tag);
        Assert.True(r.Code == 0, r.ToString());
    }

    [Fact]
    public void The_three_course_dockerfiles_build_and_print_hello()
    {
        var hello = Path.Combine(b.Dir, "hello");
        var helloStatic = Path.Combine(b.Dir, "hello-static");
        Gcc(hello, "-O2");
        Gcc(helloStatic, "-O2", "-static");
        var libs = Libraries(hello);
        Assert.Contains(libs, l => l.Contains("libc.so"));
        var libFiles = libs.ToDictionary(l => l, l => "rootfs" + l);

        // the local bases
        string ubuntu = b.Tag("ubuntu-bb").Replace(":1", ":3.17.3"), alpine = b.Tag("alpine-bb").Replace(":1", ":3.17.3");
        var ubuntuCtx = Context("ubuntu-base", libFiles, "FROM bb\nCOPY rootfs/ /\n");
        BuildOk(ubuntuCtx, ubuntu);
        var alpineCtx = Context("alpine-base", libs.ToDictionary(l => l, l => "gcompat" + l),
            "FROM bb\nCOPY apk /bin/apk\nCOPY gcompat/ /usr/share/apk/gcompat/\nRUN busybox chmod 0755 /bin/apk\n");
        File.WriteAllText(Path.Combine(alpineCtx, "apk"), Apk);
        BuildOk(alpineCtx, alpine);

        // the course's three Dockerfiles
        var one = b.Tag("course-ubuntu");
        BuildOk(Context("one", new() { [hello] = "hello" }, $"FROM {ubuntu}\nCOPY hello .\nCMD [\"./hello\"]\n"), one);
        Assert.Equal(Greeting, q.Ok("run", "--rm", one));

        var two = b.Tag("course-alpine");
        BuildOk(Context("two", new() { [hello] = "hello" }, $"FROM {alpine}\nRUN apk add gcompat\nCOPY hello .\nCMD [\"./hello\"]\n"), two);
        Assert.Equal(Greeting, q.Ok("run", "--rm", two));
        // and without the RUN, as the course warns, the glibc program cannot start on alpine
        var without = b.Tag("course-alpine-without");
        BuildOk(Context("two-without", new() { [hello] = "hello" }, $"FROM {alpine}\nCOPY hello .\nCMD [\"./hello\"]\n"), without);
        Assert.NotEqual(0, q.Run("run", "--rm", without).Code);

        var three = b.Tag("course-scratch");
        BuildOk(Context("three", new() { [helloStatic] = "hello" }, "FROM scratch\nCOPY hello .\nCMD [\"./hello\"]\n"), three);
        Assert.Equal(Greeting, q.Ok("run", "--rm", three));
        // scratch: one layer, the program alone
        Assert.Equal(1, b.LayerCount(three));
        b.AssertNoContainers();
    }
}
