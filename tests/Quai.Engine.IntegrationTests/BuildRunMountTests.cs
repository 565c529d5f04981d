using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Quai.Engine.IntegrationTests;

/// <summary>How RUN steps run in `quai build`: RUN --mount of every type (cache, bind, tmpfs, secret, ssh) and the
/// build's --network, --add-host, --ulimit and --shm-size, through real builds of the published quai.</summary>
public sealed class BuildRunMountTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-runmount-test-").FullName;
    private string Ctx => Path.Combine(_dir, "ctx");

    public void Dispose() => Directory.Delete(_dir, true);

    private void Write(string rel, string text)
    {
        var path = Path.Combine(Ctx, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private Result Build(params string[] args) => q.RunWith(null, TimeSpan.FromSeconds(180), ["build", .. args, Ctx]);

    private string BuildOk(params string[] args)
    {
        var r = Build(args);
        Assert.True(r.Code == 0, r.ToString());
        return r.Err;
    }

    private static int Cached(string err) => err.Split('\n').Count(l => l.Trim().EndsWith("CACHED", StringComparison.Ordinal));

    private string Cat(string image, string path) => q.Ok("run", "--rm", image, "cat", path);

    private bool Exists(string image, string path) => q.Run("run", "--rm", image, "test", "-e", path).Code == 0;

    /// <summary>Every byte `quai save` writes for the image: the config and manifests as they are, each layer
    /// decompressed, with the names of its entries.</summary>
    private (string Names, byte[] Bytes) Saved(string image)
    {
        var file = Path.Combine(_dir, "saved.tar");
        q.Ok("save", "-o", file, image);
        try
        {
            var names = new StringBuilder();
            var all = new MemoryStream();
            using var f = File.OpenRead(file);
            using var outer = new TarReader(f);
            while (outer.GetNextEntry() is { } e)
            {
                names.Append(e.Name).Append('\n');
                if (e.DataStream is null) continue;
                var data = new MemoryStream();
                e.DataStream.CopyTo(data);
                var bytes = data.ToArray();
                if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
                {
                    using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                    var raw = new MemoryStream();
                    gz.CopyTo(raw);
                    bytes = raw.ToArray();
                }
                all.Write(bytes);
                if (bytes.Length >= 512 && Encoding.ASCII.GetString(bytes, 257, 5) == "ustar")
                {
                    using var inner = new TarReader(new MemoryStream(bytes));
                    while (inner.GetNextEntry() is { } le) names.Append("layer:").Append(le.Name).Append('\n');
                }
            }
            return (names.ToString(), all.ToArray());
        }
        finally { File.Delete(file); }
    }

    private static bool Holds(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    [Fact]
    public void A_cache_mount_is_kept_across_builds_never_in_the_layer_and_builder_prune_removes_it()
    {
        var tag = QuaiHost.Unique("cachemnt") + ":1";
        Write("Dockerfile", """
            FROM bb
            ARG N=1
            RUN --mount=type=cache,target=/var/cache/app,id=quai-test-cache ls /var/cache/app > /seen; echo "run $N" > /var/cache/app/from-$N
            """);
        try
        {
            BuildOk("-t", tag, "--build-arg", "N=1");
            Assert.Equal("", Cat(tag, "/seen"));
            Assert.Equal(0, Cached(BuildOk("-t", tag, "--build-arg", "N=2")));
            Assert.Equal("from-1", Cat(tag, "/seen")); // the second build saw the first one's file
            // the cache's files are not in the image, nor is the mount point the step made
            Assert.False(Exists(tag, "/var/cache/app"));
            Assert.False(Exists(tag, "/var/cache"));
            var (names, _) = Saved(tag);
            Assert.DoesNotContain("from-1", names);
            Assert.DoesNotContain("var/cache", names);
            // the cache's content is not part of the step's key: the same build again is all cached
            Assert.Equal(1, Cached(BuildOk("-t", tag, "--build-arg", "N=2")));
            // the directory is private to root, under the store's build cache
            var mounts = Path.Combine(q.Root, "build-cache", "mounts");
            var dirs = Directory.GetDirectories(mounts);
            Assert.Single(dirs);
            Assert.True(File.Exists(Path.Combine(dirs[0], "from-2")));
            Assert.Equal((UnixFileMode)0x1c0, File.GetUnixFileMode(mounts));

            var prune = q.Ok("builder", "prune", "-f");
            Assert.Contains("Total:", prune);
            Assert.Empty(Directory.GetDirectories(mounts));
            BuildOk("-t", tag, "--build-arg", "N=3");
            Assert.Equal("", Cat(tag, "/seen")); // a fresh, empty cache
        }
        finally { q.Run("rmi", "-f", tag); q.Run("builder", "prune", "-f"); }
    }

    /// <summary>Two builds at once in one store, each with its own context (so neither hits the other's step
    /// cache), both running <paramref name="run"/> with ARG N set to a and b; returns each image's /result.</summary>
    private (string A, string B) Concurrently(string run)
    {
        var tags = new[] { QuaiHost.Unique("conc-a") + ":1", QuaiHost.Unique("conc-b") + ":1" };
        var procs = new List<Process>();
        try
        {
            foreach (var (n, i) in new[] { ("a", 0), ("b", 1) })
            {
                var ctx = Path.Combine(_dir, "conc-" + n);
                Directory.CreateDirectory(ctx);
                File.WriteAllText(Path.Combine(ctx, "Dockerfile"), $"FROM bb\nARG N={n}\n{run}\n");
                procs.Add(q.Start(["build", "-t", tags[i], ctx]));
            }
            var outputs = procs.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
            for (int i = 0; i < 2; i++)
            {
                Assert.True(procs[i].WaitForExit(TimeSpan.FromSeconds(120)), "a concurrent build hangs");
                Assert.True(procs[i].ExitCode == 0, outputs[i].Err.Result);
            }
            return (Cat(tags[0], "/result"), Cat(tags[1], "/result"));
        }
        finally
        {
            foreach (var p in procs) { if (!p.HasExited) p.Kill(true); p.Dispose(); }
            foreach (var t in tags) q.Run("rmi", "-f", t);
        }
    }

    [Fact]
    public void Concurrent_builds_share_a_shared_cache_wait_for_a_locked_one_and_get_their_own_private_one()
    {
        try
        {
            // shared: both steps are in the one directory at the same time (each waits to see the other's file)
            var shared = Concurrently("RUN --mount=type=cache,target=/c,id=quai-conc-shared touch /c/$N; i=0; while [ $(ls /c | wc -l) -lt 2 ] && [ $i -lt 200 ]; do busybox usleep 100000; i=$((i+1)); done; ls /c | busybox tr '\\n' ' ' > /result");
            Assert.Equal(("a b", "a b"), (shared.A.Trim(), shared.B.Trim()));
            // locked: never both at once
            var locked = Concurrently("RUN --mount=type=cache,target=/c,id=quai-conc-locked,sharing=locked if [ -e /c/busy ]; then echo overlap; else echo alone; fi > /result; touch /c/busy; sleep 2; busybox rm /c/busy");
            Assert.Equal(("alone", "alone"), (locked.A, locked.B));
            // private: each concurrent user has a directory of its own
            // (a shared cache is the rendezvous that makes both steps hold their private one at the same time)
            var priv = Concurrently("RUN --mount=type=cache,target=/c,id=quai-conc-private,sharing=private --mount=type=cache,target=/sync,id=quai-conc-sync touch /c/$N /sync/$N; i=0; while [ $(ls /sync | wc -l) -lt 2 ] && [ $i -lt 200 ]; do busybox usleep 100000; i=$((i+1)); done; ls /c > /result");
            Assert.Equal(("a", "b"), (priv.A, priv.B));
        }
        finally { q.Run("builder", "prune", "-f"); }
    }

    [Fact]
    public void Mounts_nest_a_cache_inside_a_read_only_bind_of_the_context()
    {
        var tag = QuaiHost.Unique("nest") + ":1";
        Write("app.txt", "app\n");
        Write("Dockerfile", """
            FROM bb
            RUN --mount=type=bind,target=/src --mount=type=cache,target=/src/deps,id=quai-nest cat /src/app.txt > /out; touch /src/deps/dep; ls /src/deps > /deps
            """);
        try
        {
            BuildOk("-t", tag);
            Assert.Equal("app", Cat(tag, "/out"));
            Assert.Equal("dep", Cat(tag, "/deps"));
            Assert.False(Exists(tag, "/src"));
            Assert.False(Directory.Exists(Path.Combine(Ctx, "deps"))); // the mount point was made in the bind's copy only
        }
        finally { q.Run("rmi", "-f", tag); q.Run("builder", "prune", "-f"); }
    }

    [Fact]
    public void A_bind_of_the_context_is_read_only_holds_no_ignored_file_and_its_content_keys_the_step()
    {
        var tag = QuaiHost.Unique("bindctx") + ":1";
        Write(".dockerignore", "data/*.key\n");
        Write("data/a.txt", "one\n");
        Write("data/private.key", "KEY-MATERIAL\n");
        Write("other.txt", "unrelated\n");
        Write("Dockerfile", """
            FROM bb
            RUN --mount=type=bind,source=data,target=/mnt cat /mnt/a.txt > /out; ls -a /mnt > /list; if touch /mnt/new 2>/dev/null; then echo writable; else echo readonly; fi > /ro
            RUN --mount=type=bind,target=/ctx,rw touch /ctx/written && ls /ctx > /ctxlist
            """);
        try
        {
            BuildOk("-t", tag);
            Assert.Equal("one", Cat(tag, "/out"));
            Assert.Equal(".\n..\na.txt", Cat(tag, "/list"));
            Assert.Equal("readonly", Cat(tag, "/ro"));
            Assert.Equal("Dockerfile\ndata\nother.txt\nwritten", Cat(tag, "/ctxlist")); // the rw bind took the write...
            Assert.False(File.Exists(Path.Combine(Ctx, "written")));                  // ...which never reached the context
            Assert.False(Exists(tag, "/mnt"));
            Assert.False(Exists(tag, "/ctx"));
            // the same context: cached; a changed bound file re-runs the steps that bind it
            Assert.Equal(2, Cached(BuildOk("-t", tag)));
            Write("data/private.key", "OTHER-KEY\n"); // ignored: changes nothing
            Assert.Equal(2, Cached(BuildOk("-t", tag)));
            Write("data/a.txt", "two\n");                // both steps bind it
            Assert.Equal(0, Cached(BuildOk("-t", tag)));
            Assert.Equal("two", Cat(tag, "/out"));
        }
        finally { q.Run("rmi", "-f", tag); }
    }

    [Fact]
    public void A_bind_from_a_stage_reads_its_files_and_a_tmpfs_is_a_sized_tmpfs_left_out_of_the_layer()
    {
        var tag = QuaiHost.Unique("bindstage") + ":1";
        Write("Dockerfile", """
            FROM bb AS tools
            RUN mkdir /opt && echo tool-output > /opt/tool.txt

            FROM bb
            RUN --mount=type=bind,from=tools,source=/opt,target=/tools cat /tools/tool.txt > /got
            RUN --mount=type=cache,target=/seeded,from=tools,source=/opt,id=quai-seed ls /seeded > /seed-list
            RUN --mount=type=tmpfs,target=/scratch,size=2m grep " /scratch " /proc/mounts | busybox awk '{print $3}' > /fs; df -k /scratch | tail -1 | busybox awk '{print $2}' > /size; echo junk > /scratch/junk
            """);
        try
        {
            BuildOk("-t", tag);
            Assert.Equal("tool-output", Cat(tag, "/got"));
            Assert.False(Exists(tag, "/tools"));
            Assert.False(Exists(tag, "/opt")); // the stage's files came through the bind only
            Assert.Equal("tool.txt", Cat(tag, "/seed-list")); // a new cache starts as its from= source
            Assert.Equal("tmpfs", Cat(tag, "/fs"));
            Assert.Equal("2048", Cat(tag, "/size"));
            Assert.False(Exists(tag, "/scratch"));
        }
        finally { q.Run("rmi", "-f", tag); q.Run("builder", "prune", "-f"); }
    }

    [Fact]
    public void Secrets_from_a_file_and_from_the_environment_are_seen_by_their_RUN_only_and_by_no_layer()
    {
        var tag = QuaiHost.Unique("secret") + ":1";
        var fileValue = "file-secret-" + Guid.NewGuid().ToString("N");
        var envValue = "env-secret-" + Guid.NewGuid().ToString("N");
        var secretFile = Path.Combine(_dir, "token.txt");
        File.WriteAllText(secretFile, fileValue);
        Write("Dockerfile", """
            FROM bb
            RUN --mount=type=secret,id=tok busybox sha256sum < /run/secrets/tok > /file-sum; ls -l /run/secrets/tok | busybox awk '{print $1}' > /file-mode
            RUN --mount=type=secret,id=envtok,env=TOKEN printf %s "$TOKEN" | busybox sha256sum > /env-sum; test -e /run/secrets/envtok && echo file > /env-file || echo nofile > /env-file
            RUN --mount=type=secret,id=tok,target=/tmp/tok,mode=0440,uid=1000,gid=2000 ls -ln /tmp/tok | busybox awk '{print $1, $3, $4}' > /owned
            RUN --mount=type=secret,id=absent test ! -e /run/secrets/absent && echo skipped > /optional
            RUN if test -e /run/secrets/tok || test -n "$TOKEN"; then echo leaked; else echo gone; fi > /later
            """);
        Environment.SetEnvironmentVariable("QUAI_TEST_SECRET_ENV", envValue);
        try
        {
            BuildOk("-t", tag, "--secret", $"id=tok,src={secretFile}", "--secret", "id=envtok,env=QUAI_TEST_SECRET_ENV");
            string Sum(string v) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(v)));
            Assert.StartsWith(Sum(fileValue), Cat(tag, "/file-sum"));
            Assert.Equal("-r--------", Cat(tag, "/file-mode")); // mode 0400 by default
            Assert.StartsWith(Sum(envValue), Cat(tag, "/env-sum"));
            Assert.Equal("nofile", Cat(tag, "/env-file"));     // env= alone makes no file
            Assert.Equal("-r--r----- 1000 2000", Cat(tag, "/owned")); // target, mode, uid, gid
            Assert.False(Exists(tag, "/tmp/tok"));
            // the directory that held the stub has its time back, as in the base image
            Assert.Equal(q.Ok("run", "--rm", "bb", "busybox", "stat", "-c", "%Y", "/tmp"), q.Ok("run", "--rm", tag, "busybox", "stat", "-c", "%Y", "/tmp"));
            Assert.Equal("skipped", Cat(tag, "/optional"));    // an optional secret not given is not mounted
            Assert.Equal("gone", Cat(tag, "/later"));           // the next RUN sees neither
            Assert.False(Exists(tag, "/run/secrets"));
            Assert.False(Exists(tag, "/run"));
            var (names, bytes) = Saved(tag);
            Assert.False(Holds(bytes, fileValue), "the file secret is in the saved image");
            Assert.False(Holds(bytes, envValue), "the env secret is in the saved image");
            Assert.DoesNotContain("run/secrets", names);
            var history = q.Ok("history", "--no-trunc", tag) + q.Ok("image", "inspect", tag);
            Assert.DoesNotContain(fileValue, history);
            Assert.DoesNotContain(envValue, history);
            // a changed secret is not part of the key: the build stays cached, as BuildKit's does
            File.WriteAllText(secretFile, fileValue + "-changed");
            var again = BuildOk("-t", tag, "--secret", $"id=tok,src={secretFile}", "--secret", "id=envtok,env=QUAI_TEST_SECRET_ENV");
            Assert.Equal(5, Cached(again));
            // no secret file is left in the store
            var tmp = Path.Combine(q.Root, "build-cache", "tmp");
            Assert.True(!Directory.Exists(tmp) || Directory.GetFileSystemEntries(tmp).Length == 0, string.Join(' ', Directory.GetFileSystemEntries(tmp)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("QUAI_TEST_SECRET_ENV", null);
            q.Run("rmi", "-f", tag);
        }
    }

    [Fact]
    public void A_required_secret_or_ssh_agent_not_given_or_a_missing_bind_source_fails_the_build_naming_the_line()
    {
        var tag = QuaiHost.Unique("nosecret") + ":1";
        Write("Dockerfile", """
            FROM bb
            RUN --mount=type=secret,id=api-key,required cat /run/secrets/api-key
            """);
        var r = Build("-t", tag);
        Assert.Equal(1, r.Code);
        Assert.Contains("ERROR: failed to solve: Dockerfile:2: secret api-key: not found", r.Err);
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
        Assert.Empty(q.Ok("ps", "-aq").Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // a bad flag fails before anything runs
        r = Build("-t", tag, "--secret", "id=api-key,src=/nonexistent/quai-secret");
        Assert.Equal(1, r.Code);
        Assert.Contains("failed to stat /nonexistent/quai-secret: no such file or directory", r.Err);
        Assert.DoesNotContain("#1/", r.Err);
        r = Build("-t", tag, "--ulimit", "bogus=1");
        Assert.Equal(1, r.Code);
        Assert.Contains("invalid ulimit type: bogus", r.Err);

        Write("Dockerfile", """
            FROM bb
            RUN --mount=type=bind,source=nowhere,target=/x true
            """);
        r = Build("-t", tag);
        Assert.Equal(1, r.Code);
        Assert.Contains("ERROR: failed to solve: Dockerfile:2: --mount=type=bind,source=nowhere,target=/x: \"nowhere\" not found in the build context", r.Err);

        Write("Dockerfile", """
            FROM bb
            RUN echo before
            RUN --mount=type=ssh,required true
            """);
        r = Build("-t", tag);
        Assert.Equal(1, r.Code);
        Assert.Contains("Dockerfile:3: ssh agent \"default\" not forwarded", r.Err);
        Assert.NotEqual(0, q.Run("image", "inspect", tag).Code);
    }

    [Fact]
    public void An_ssh_mount_reaches_the_forwarded_agent_through_SSH_AUTH_SOCK()
    {
        var tag = QuaiHost.Unique("ssh") + ":1";
        // a static client (the image is busybox alone, whose nc has no unix sockets), given to the step by a bind
        var src = Path.Combine(_dir, "sockcat.c");
        File.WriteAllText(src, """
            #include <string.h>
            #include <sys/socket.h>
            #include <sys/un.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                int s = socket(AF_UNIX, SOCK_STREAM, 0);
                struct sockaddr_un a; memset(&a, 0, sizeof a); a.sun_family = AF_UNIX;
                strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
                if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return 2;
                if (write(s, "ping\n", 5) != 5) return 3;
                char b[256]; ssize_t n;
                while ((n = read(s, b, sizeof b)) > 0) if (write(1, b, n) != n) return 4;
                return 0;
            }
            """);
        Directory.CreateDirectory(Ctx);
        using (var gcc = Process.Start("gcc", ["-static", "-O2", "-o", Path.Combine(Ctx, "sockcat"), src])!)
        {
            gcc.WaitForExit();
            Assert.Equal(0, gcc.ExitCode);
        }
        var agentPath = Path.Combine(_dir, "agent.sock");
        using var agent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        agent.Bind(new UnixDomainSocketEndPoint(agentPath));
        agent.Listen(4);
        var received = new StringBuilder();
        var server = Task.Run(() =>
        {
            using var c = agent.Accept();
            var buf = new byte[64];
            int n = c.Receive(buf);
            lock (received) received.Append(Encoding.ASCII.GetString(buf, 0, n));
            c.Send(Encoding.ASCII.GetBytes("pong-from-agent\n"));
            c.Shutdown(SocketShutdown.Both);
        });
        Write("Dockerfile", """
            FROM bb
            USER 1000:1000
            RUN --mount=type=bind,source=sockcat,target=/usr/local/bin/sockcat --mount=type=ssh,uid=1000 echo "$SSH_AUTH_SOCK" > /tmp/sock; /usr/local/bin/sockcat "$SSH_AUTH_SOCK" > /tmp/reply
            """);
        try
        {
            BuildOk("-t", tag, "--ssh", $"default={agentPath}");
            Assert.True(server.Wait(TimeSpan.FromSeconds(10)));
            lock (received) Assert.Equal("ping\n", received.ToString());
            Assert.Equal("/run/buildkit/ssh_agent.0", Cat(tag, "/tmp/sock"));
            Assert.Equal("pong-from-agent", Cat(tag, "/tmp/reply"));
            Assert.False(Exists(tag, "/run/buildkit"));
            Assert.False(Exists(tag, "/usr/local"));
        }
        finally
        {
            agent.Close();
            q.Run("rmi", "-f", tag);
        }
    }

    [Fact]
    public void Network_add_host_ulimit_and_shm_size_apply_to_every_RUN()
    {
        var tag = QuaiHost.Unique("runflags") + ":1";
        Write("Dockerfile", """
            FROM bb
            RUN cat /proc/net/dev > /net; cat /etc/hosts > /hosts; ulimit -n > /nofile; ulimit -Hn >> /nofile; df -k /dev/shm | tail -1 | busybox awk '{print $2}' > /shm
            RUN --network=host cat /proc/net/dev > /net-host
            """);
        try
        {
            BuildOk("-t", tag, "--network", "none", "--add-host", "db.example:10.1.2.3", "--add-host", "gw.example=host-gateway",
                "--ulimit", "nofile=1024:2048", "--shm-size", "32m");
            var ifaces = Cat(tag, "/net").Split('\n').Where(l => l.Contains(':')).Select(l => l.Split(':')[0].Trim()).ToList();
            Assert.Equal(["lo"], ifaces);
            // a step's own --network wins over the build's
            Assert.True(Cat(tag, "/net-host").Split('\n').Count(l => l.Contains(':')) > 1);
            var hosts = Cat(tag, "/hosts");
            Assert.Contains("10.1.2.3\tdb.example", hosts);
            Assert.Contains("\tgw.example", hosts);
            Assert.Equal("1024\n2048", Cat(tag, "/nofile"));
            Assert.Equal("32768", Cat(tag, "/shm"));
            // the flags are part of the steps' keys: the same flags are cached, another ulimit runs again
            Assert.Equal(2, Cached(BuildOk("-t", tag, "--network", "none", "--add-host", "db.example:10.1.2.3", "--add-host", "gw.example=host-gateway",
                "--ulimit", "nofile=1024:2048", "--shm-size", "32m")));
            Assert.Equal(0, Cached(BuildOk("-t", tag, "--network", "none", "--ulimit", "nofile=512:2048")));
            Assert.Equal("512\n2048", Cat(tag, "/nofile"));
        }
        finally { q.Run("rmi", "-f", tag); }
    }
}
