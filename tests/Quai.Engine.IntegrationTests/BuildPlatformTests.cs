using System.Diagnostics;
using System.Formats.Tar;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Quai.Engine.IntegrationTests;

/// <summary>`quai build --platform`: foreign-architecture RUN steps through Debian's qemu-user-static and
/// binfmt_misc, the predefined platform ARGs, `FROM --platform=$BUILDPLATFORM`, multi-platform builds as an
/// OCI image index (run, inspect, save); and independent stages building at the same time. The arm64
/// busybox is Debian's busybox-static:arm64, which scripts/setup.sh downloads into /var/cache/quai-test.</summary>
public sealed class BuildPlatformTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-build-platform-").FullName;
    private string Ctx => Path.Combine(_dir, "ctx");

    public void Dispose() => Directory.Delete(_dir, true);

    private void Write(string rel, string text)
    {
        var path = Path.Combine(Ctx, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>Copies the arm64 busybox (extracted from Debian's package) into the context as <paramref name="rel"/>.</summary>
    private void ArmBusybox(string rel)
    {
        Directory.CreateDirectory(Ctx);
        File.Copy(ArmBusyboxPath.Value, Path.Combine(Ctx, rel));
    }

    private static readonly Lazy<string> ArmBusyboxPath = new(() =>
    {
        var deb = Directory.Exists(DebDir) ? Directory.GetFiles(DebDir, "busybox-static_*_arm64.deb").OrderBy(f => f).LastOrDefault() : null;
        if (deb is null) throw new InvalidOperationException($"no busybox-static_*_arm64.deb in {DebDir}: run scripts/setup.sh (dpkg --add-architecture arm64; apt-get download busybox-static:arm64)");
        var dir = Directory.CreateTempSubdirectory("quai-arm64-busybox-").FullName;
        using (var p = Process.Start(new ProcessStartInfo("dpkg-deb", ["-x", deb, dir]) { RedirectStandardError = true })!)
        {
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"dpkg-deb -x {deb}: {p.StandardError.ReadToEnd()}");
        }
        var bin = Path.Combine(dir, "bin", "busybox");
        if (!File.Exists(bin)) throw new InvalidOperationException($"{deb} holds no bin/busybox");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        return bin;
    });

    private const string DebDir = "/var/cache/quai-test";

    private Result Build(params string[] args) => q.RunWith(null, TimeSpan.FromSeconds(180), ["build", .. args, Ctx]);

    private static void Ok(Result r) => Assert.True(r.Code == 0, r.ToString());

    private static int Cached(Result r) => r.Err.Split('\n').Count(l => l.Trim().EndsWith("CACHED", StringComparison.Ordinal));

    private void NoContainersLeft() => Assert.Empty(q.Ok("ps", "-aq").Split('\n', StringSplitOptions.RemoveEmptyEntries));

    [HostAmd64Fact]
    public void An_arm64_build_runs_its_RUN_steps_under_qemu_and_its_image_says_arm64()
    {
        var tag = QuaiHost.Unique("arm") + ":1";
        ArmBusybox("busybox");
        Write("Dockerfile", """
            FROM scratch
            COPY busybox /bin/busybox
            RUN ["/bin/busybox", "--install", "-s", "/bin"]
            ARG TARGETARCH
            ARG TARGETPLATFORM
            ARG TARGETVARIANT
            ARG BUILDPLATFORM
            RUN echo "machine=$(uname -m) target=$TARGETPLATFORM arch=$TARGETARCH variant=[$TARGETVARIANT] build=$BUILDPLATFORM" | tee /info
            CMD ["cat", "/info"]
            """);
        try
        {
            var r = Build("--platform", "linux/arm64", "-t", tag);
            Ok(r);
            var info = "machine=aarch64 target=linux/arm64 arch=arm64 variant=[] build=linux/amd64";
            Assert.Contains(info, r.Err);
            Assert.Equal("arm64 linux", q.Ok("image", "inspect", "-f", "{{.Architecture}} {{.Os}}", tag));
            // the image runs (through the same emulator) and says what its RUN saw
            Assert.Equal(info, q.Ok("run", "--rm", tag));
            Assert.Equal("aarch64", q.Ok("run", "--rm", "--platform", "linux/arm64", tag, "uname", "-m"));
            NoContainersLeft();
            // a rebuild is all cached and the same image
            var again = Build("--platform", "linux/arm64", "-q", "-t", tag);
            Ok(again);
            Assert.Equal(q.Ok("image", "inspect", "-f", "{{.Id}}", tag), again.Out.Trim());
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [HostAmd64Fact]
    public void FROM_platform_BUILDPLATFORM_runs_a_cross_stage_on_the_host()
    {
        var tag = QuaiHost.Unique("cross") + ":1";
        ArmBusybox("busybox");
        Write("Dockerfile", """
            FROM --platform=$BUILDPLATFORM bb AS tools
            ARG TARGETARCH
            RUN echo "tools ran on $(uname -m) for $TARGETARCH" > /note

            FROM scratch
            COPY busybox /bin/busybox
            COPY --from=tools /note /note
            RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch"]
            ENTRYPOINT ["/bin/busybox"]
            """);
        try
        {
            Ok(Build("--platform", "linux/arm64", "-t", tag));
            Assert.Equal("tools ran on x86_64 for arm64", q.Ok("run", "--rm", tag, "cat", "/note"));
            Assert.Equal("aarch64", q.Ok("run", "--rm", tag, "cat", "/arch"));
            Assert.Equal("arm64", q.Ok("image", "inspect", "-f", "{{.Architecture}}", tag));
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [HostAmd64Fact]
    public void Two_platforms_make_an_index_of_both_that_run_inspect_images_and_save_handle()
    {
        var tag = QuaiHost.Unique("multi") + ":1";
        ArmBusybox("busybox-arm64");
        File.Copy("/usr/bin/busybox", Path.Combine(Ctx, "busybox-amd64"));
        Write("Dockerfile", """
            FROM scratch
            ARG TARGETARCH
            COPY busybox-$TARGETARCH /bin/busybox
            RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch"]
            ENTRYPOINT ["/bin/busybox"]
            CMD ["cat", "/arch"]
            """);
        var tar = Path.Combine(_dir, "multi.tar");
        try
        {
            var iid = Path.Combine(_dir, "iid");
            Ok(Build("--platform", "linux/amd64,linux/arm64", "-t", tag, "--iidfile", iid));
            var id = q.Ok("image", "inspect", "-f", "{{.Id}}", tag);
            Assert.Equal(id, File.ReadAllText(iid)); // the build's result is the index

            // run takes the host's platform by default, another one when asked; a platform it lacks is refused
            Assert.Equal("x86_64", q.Ok("run", "--rm", tag));
            Assert.Equal("aarch64", q.Ok("run", "--rm", "--platform", "linux/arm64", tag));
            var none = q.Run("run", "--rm", "--platform", "linux/s390x", tag);
            Assert.NotEqual(0, none.Code);
            Assert.Contains("does not match the specified platform: wanted linux/s390x", none.Err);
            // inspect and images show the index as one image, described by the host's manifest
            Assert.Equal("amd64", q.Ok("image", "inspect", "-f", "{{.Architecture}}", tag));
            Assert.Single(q.Ok("images", "--no-trunc", "-q", tag.Split(':')[0]).Split('\n', StringSplitOptions.RemoveEmptyEntries), id);

            // save writes an OCI layout whose index lists both platforms, with every blob they need
            q.Ok("save", "-o", tar, tag);
            var blobs = SavedIndex(tar, id, out var platforms);
            Assert.Equal(["linux/amd64", "linux/arm64/v8"], platforms.Order());
            Assert.All(blobs, b => Assert.True(b.Value, $"{b.Key} is referenced but not in the archive"));

            // the platforms' step images may go (builder prune): the index still runs either platform from its blobs
            q.Ok("builder", "prune", "-f");
            Assert.Equal("aarch64", q.Ok("run", "--rm", "--platform", "linux/arm64", tag));
            // and the archive loads back as the same index
            q.Ok("rmi", "-f", tag);
            q.Ok("load", "-i", tar);
            Assert.Equal(id, q.Ok("image", "inspect", "-f", "{{.Id}}", tag));
            Assert.Equal("aarch64", q.Ok("run", "--rm", "--platform", "linux/arm64", tag));
            NoContainersLeft();
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    /// <summary>Reads a saved archive: the index.json's one entry must be the image index <paramref name="id"/>;
    /// returns every blob its manifests reference (true: in the archive) and the platforms it lists.</summary>
    private static Dictionary<string, bool> SavedIndex(string tarPath, string id, out List<string> platforms)
    {
        var files = new Dictionary<string, byte[]>();
        using (var f = File.OpenRead(tarPath))
        using (var reader = new TarReader(f))
            while (reader.GetNextEntry() is { } e)
                if (e.DataStream is { } s) { var ms = new MemoryStream(); s.CopyTo(ms); files[e.Name] = ms.ToArray(); }
        Assert.True(files.ContainsKey("oci-layout"));
        byte[] Blob(string digest) => files["blobs/sha256/" + digest["sha256:".Length..]];
        using var top = JsonDocument.Parse(files["index.json"]);
        var entry = Assert.Single(top.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal("application/vnd.oci.image.index.v1+json", entry.GetProperty("mediaType").GetString());
        Assert.Equal(id, entry.GetProperty("digest").GetString());
        using var index = JsonDocument.Parse(Blob(id));
        platforms = [];
        var referenced = new Dictionary<string, bool>();
        foreach (var m in index.RootElement.GetProperty("manifests").EnumerateArray())
        {
            var p = m.GetProperty("platform");
            platforms.Add($"{p.GetProperty("os").GetString()}/{p.GetProperty("architecture").GetString()}"
                + (p.TryGetProperty("variant", out var v) ? "/" + v.GetString() : ""));
            var md = m.GetProperty("digest").GetString()!;
            referenced[md] = files.ContainsKey("blobs/sha256/" + md[7..]);
            if (!referenced[md]) continue;
            using var manifest = JsonDocument.Parse(Blob(md));
            foreach (var d in manifest.RootElement.GetProperty("layers").EnumerateArray().Append(manifest.RootElement.GetProperty("config")))
            {
                var digest = d.GetProperty("digest").GetString()!;
                referenced[digest] = files.ContainsKey("blobs/sha256/" + digest[7..]);
            }
        }
        return referenced;
    }

    [Theory]
    [InlineData("linux/foo", "FROM bb\n", "ERROR: failed to parse platform linux/foo: unknown architecture \"foo\"")]
    [InlineData("linux/amd64/v3/x", "FROM bb\n", "cannot parse platform specifier")]
    [InlineData("windows/amd64", "FROM bb\n", "platform windows/amd64 is not supported: Quai builds Linux images")]
    [InlineData("linux/amd64", "FROM --platform=bogus bb\n", "Dockerfile:1: failed to parse platform bogus: \"bogus\": unknown operating system or architecture")]
    [InlineData("linux/amd64", "ARG P\nFROM --platform=$P bb\n", "Dockerfile:2: failed to parse platform : \"\" is an invalid component")]
    [InlineData("linux/arm64", "FROM bb\nRUN true\n", "Dockerfile:1: FROM bb: no local image for platform linux/arm64 (the local bb is linux/amd64)")]
    public void Bad_platforms_are_refused_naming_them_and_tag_nothing(string platform, string dockerfile, string error)
    {
        var tag = QuaiHost.Unique("badplat") + ":1";
        Write("Dockerfile", dockerfile);
        var r = Build("--platform", platform, "-t", tag);
        Assert.True(r.Code == 1, r.ToString());
        Assert.Contains(error, r.Err);
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        NoContainersLeft();
    }

    [NoMipsEmulatorFact]
    public void A_foreign_platform_without_an_emulator_names_the_platform_and_what_to_install()
    {
        var tag = QuaiHost.Unique("noemu") + ":1";
        ArmBusybox("prog");
        Write("Dockerfile", "FROM scratch\nCOPY prog /prog\nRUN [\"/prog\"]\n");
        var r = Build("--platform", "linux/mips64le", "-t", tag);
        Assert.True(r.Code == 1, r.ToString());
        Assert.Contains("Dockerfile:3: RUN: cannot run linux/mips64le programs on this linux/amd64 host: no binfmt_misc handler qemu-mips64el is registered", r.Err);
        Assert.Contains("install qemu-user-static", r.Err);
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        NoContainersLeft();
    }

    [Fact]
    public void Independent_stages_build_at_the_same_time_and_give_what_a_sequential_build_gives()
    {
        var tag = QuaiHost.Unique("par") + ":1";
        // each branch records when its RUN began and ended (the host's uptime: one clock for every container)
        Write("Dockerfile", """
            FROM bb AS a
            RUN echo shared > /shared
            RUN cat /proc/uptime > /start; sleep 2; cat /proc/uptime > /end

            FROM bb AS b
            RUN echo shared > /shared
            RUN cat /proc/uptime > /start; sleep 2; echo b > /b; cat /proc/uptime > /end

            FROM bb
            COPY --from=a /start /a.start
            COPY --from=a /end /a.end
            COPY --from=b /start /b.start
            COPY --from=b /end /b.end
            """);
        try
        {
            var r = Build("-t", tag);
            Ok(r);
            double At(string file) => double.Parse(q.Ok("run", "--rm", tag, "cat", file).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            double aStart = At("/a.start"), aEnd = At("/a.end"), bStart = At("/b.start"), bEnd = At("/b.end");
            Assert.True(aEnd - aStart >= 2 && bEnd - bStart >= 2, $"a {aStart}-{aEnd}, b {bStart}-{bEnd}");
            // the two sleeps overlapped: each began before the other ended
            Assert.True(aStart < bEnd && bStart < aEnd, $"the stages ran one after the other: a {aStart}-{aEnd}, b {bStart}-{bEnd}\n{r.Err}");
            // the step both branches have was made once: the second waited for it and took it from the cache
            Assert.Equal(1, Cached(r));
            // a rebuild is all cached and the same image, as after a sequential build
            var id = q.Ok("image", "inspect", "-f", "{{.Id}}", tag);
            var again = Build("-t", tag);
            Ok(again);
            Assert.Equal(8, Cached(again));
            Assert.Equal(id, q.Ok("image", "inspect", "-f", "{{.Id}}", tag));
            NoContainersLeft();
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void A_failing_branch_stops_the_other_branches_and_the_build_reports_its_error()
    {
        var tag = QuaiHost.Unique("parfail") + ":1";
        Write("Dockerfile", """
            FROM bb AS slow
            RUN sleep 20; echo "slow-""finished"
            RUN echo "after-""slow"

            FROM bb AS bad
            RUN sleep 1; exit 3

            FROM bb
            COPY --from=slow /etc/passwd /slow
            COPY --from=bad /etc/passwd /bad
            RUN echo "final-""ran"
            """);
        var sw = Stopwatch.StartNew();
        var r = Build("--no-cache", "-t", tag);
        sw.Stop();
        Assert.True(r.Code == 1, r.ToString());
        Assert.Contains("ERROR: failed to solve: Dockerfile:6: process \"/bin/sh -c sleep 1; exit 3\" did not complete successfully: exit code: 3", r.Err);
        // the slow branch was stopped: its RUN was killed and nothing after it ran (the step lines quote the
        // commands, "slow-""finished"; only their output has the words whole)
        Assert.DoesNotContain("slow-finished", r.Err);
        Assert.DoesNotContain("after-slow", r.Err);
        Assert.DoesNotContain("final-ran", r.Err);
        Assert.DoesNotContain("exit code: 137", r.Err);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(18), $"the slow branch was waited for: {sw.Elapsed}");
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        NoContainersLeft();
    }
}

/// <summary>The foreign-platform cases expect an x86_64 host (arm64 is then emulated).</summary>
public sealed class HostAmd64FactAttribute : FactAttribute
{
    public HostAmd64FactAttribute()
    {
        if (RuntimeInformation.OSArchitecture != Architecture.X64) Skip = "these cases emulate arm64 on an x86_64 host";
    }
}

/// <summary>The no-emulator case needs a platform whose qemu handler is not registered: linux/mips64le (setup.sh
/// registers aarch64, arm, riscv64, ppc64le and s390x only).</summary>
public sealed class NoMipsEmulatorFactAttribute : FactAttribute
{
    public NoMipsEmulatorFactAttribute()
    {
        if (RuntimeInformation.OSArchitecture != Architecture.X64) Skip = "this case expects an x86_64 host";
        else if (File.Exists("/proc/sys/fs/binfmt_misc/qemu-mips64el")) Skip = "a qemu-mips64el binfmt_misc handler is registered on this host";
    }
}
