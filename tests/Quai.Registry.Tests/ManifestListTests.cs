using System.Text;
using System.Text.Json.Nodes;
using Quai.Oci.Image;
using Quai.Registry.Manifests;

namespace Quai.Registry.Tests;

/// <summary>The local manifest-list store (files, names, modes, locking, tamper checks), the list JSON that push puts
/// and the inspect output, and annotate's rules — on real files in a temporary directory.</summary>
public sealed class ManifestListTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("quai-manifest-test-").FullName;
    private ManifestListStore Store => ManifestListStore.ForImageStore(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly Reference List = Reference.Parse("127.0.0.1:5000/app/list:v1");

    /// <summary>An entry whose Raw is a real (small) manifest and whose descriptor matches it.</summary>
    private static ManifestEntry Entry(string reference, string mediaType = MediaTypes.DockerManifest, string arch = "amd64", string? variant = null)
    {
        var configType = mediaType == MediaTypes.DockerManifest ? MediaTypes.DockerConfig : MediaTypes.OciConfig;
        var layerType = mediaType == MediaTypes.DockerManifest ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip;
        var config = Digest.Compute(Encoding.UTF8.GetBytes("config of " + reference));
        var layer = Digest.Compute(Encoding.UTF8.GetBytes("layer of " + reference));
        var raw = Encoding.UTF8.GetBytes(
            $"{{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"{mediaType}\",\n   \"config\": {{\n      \"mediaType\": \"{configType}\",\n      \"size\": 1520,\n      \"digest\": \"{config}\"\n   }},\n" +
            $"   \"layers\": [\n      {{\n         \"mediaType\": \"{layerType}\",\n         \"size\": 1990402,\n         \"digest\": \"{layer}\"\n      }}\n   ]\n}}");
        return new ManifestEntry
        {
            Ref = Reference.Parse(reference).ToString(),
            Descriptor = new Descriptor
            {
                MediaType = mediaType, Digest = Digest.Compute(raw).ToString(), Size = raw.Length,
                Platform = new Platform { Os = "linux", Architecture = arch, Variant = variant },
            },
            Raw = raw,
        };
    }

    private ManifestList Save(params ManifestEntry[] entries) => Store.Update(List, current =>
    {
        var l = current ?? new ManifestList();
        foreach (var e in entries) l.Put(e);
        return l;
    });

    [Fact]
    public void A_saved_list_reads_back_from_a_private_file_named_after_the_reference()
    {
        var a = Entry("127.0.0.1:5000/app/a:v1");
        var b = Entry("127.0.0.1:5000/app/b:v1", MediaTypes.OciManifest, "arm64", "v8");
        Save(a, b);

        var dir = Path.Combine(_root, "manifests");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        var file = Path.Combine(dir, "127.0.0.1%5000#app#list%v1.json");
        Assert.Equal(file, Store.FileFor(List));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal([Path.GetFileName(file)], Directory.GetFiles(dir).Select(Path.GetFileName));

        var back = Store.Get(List);
        Assert.Equal("127.0.0.1:5000/app/list:v1", back.Ref);
        Assert.Equal([a.Ref, b.Ref], back.Manifests.Select(m => m.Ref));
        Assert.Equal(b.Raw, back.Manifests[1].Raw);
        Assert.Equal("linux/arm64/v8", back.Manifests[1].Descriptor.Platform!.ToString());
        Assert.Equal(b.Descriptor.Digest, back.Find(Reference.Parse("127.0.0.1:5000/app/b:v1"))!.Descriptor.Digest);
        Assert.Single(Store.List());
    }

    [Fact]
    public void Putting_the_same_reference_again_replaces_it_in_place()
    {
        Save(Entry("127.0.0.1:5000/app/a:v1"), Entry("127.0.0.1:5000/app/b:v1"));
        Save(Entry("127.0.0.1:5000/app/a:v1", arch: "arm64"));
        var back = Store.Get(List);
        Assert.Equal(2, back.Manifests.Count);
        Assert.Equal("arm64", back.Manifests[0].Descriptor.Platform!.Architecture);
    }

    [Fact]
    public void A_missing_list_is_dockers_no_such_manifest_and_remove_says_false()
    {
        Assert.Null(Store.TryGet(List));
        var e = Assert.Throws<ManifestNotFoundException>(() => Store.Get(List));
        Assert.Equal("No such manifest: 127.0.0.1:5000/app/list:v1", e.Message);
        Assert.False(Store.Remove(List));
        Assert.False(Directory.Exists(Path.Combine(_root, "manifests")), "reading must not create the directory");

        Save(Entry("127.0.0.1:5000/app/a:v1"));
        Assert.True(Store.Remove(List));
        Assert.Null(Store.TryGet(List));
        Assert.Empty(Store.List());
    }

    [Fact]
    public void A_reference_too_long_for_a_file_name_is_stored_under_its_digest()
    {
        var longRef = Reference.Parse("127.0.0.1:5000/" + string.Join('/', Enumerable.Repeat("component", 20)) + ":" + new string('t', 100));
        Store.Update(longRef, _ => new ManifestList { Manifests = [Entry("127.0.0.1:5000/app/a:v1")] });
        var name = Path.GetFileName(Store.FileFor(longRef));
        Assert.Matches("^sha256-[0-9a-f]{64}\\.json$", name);
        Assert.True(File.Exists(Store.FileFor(longRef)));
        Assert.Equal(longRef.ToString(), Store.Get(longRef).Ref);
    }

    [Fact]
    public void A_change_that_throws_writes_nothing()
    {
        Save(Entry("127.0.0.1:5000/app/a:v1"));
        var before = File.ReadAllBytes(Store.FileFor(List));
        Assert.Throws<ManifestException>(() => Store.Update(List, l =>
        {
            l!.Manifests.Clear();
            throw new ManifestException("no");
        }));
        Assert.Equal(before, File.ReadAllBytes(Store.FileFor(List)));
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "manifests")));
    }

    [Fact]
    public void A_tampered_file_is_refused_naming_it()
    {
        Save(Entry("127.0.0.1:5000/app/a:v1"));
        var file = Store.FileFor(List);
        var json = JsonNode.Parse(File.ReadAllText(file))!;
        var raw = Encoding.UTF8.GetString(Convert.FromBase64String(json["Manifests"]![0]!["Raw"]!.GetValue<string>()));
        json["Manifests"]![0]!["Raw"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(raw.Replace("1990402", "1990403")));
        File.WriteAllText(file, json.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => Store.Get(List));
        Assert.Contains(file, e.Message);
        Assert.Contains("image manifest digest mismatch", e.Message);

        File.WriteAllText(file, "{not json");
        Assert.Contains("invalid JSON", Assert.Throws<InvalidDataException>(() => Store.Get(List)).Message);
    }

    [Fact]
    public void A_file_holding_another_list_is_refused()
    {
        var other = Reference.Parse("127.0.0.1:5000/app/other:v1");
        Store.Update(other, _ => new ManifestList { Manifests = [Entry("127.0.0.1:5000/app/a:v1")] });
        File.Copy(Store.FileFor(other), Store.FileFor(List));
        Assert.Contains("holds the manifest list 127.0.0.1:5000/app/other:v1", Assert.Throws<InvalidDataException>(() => Store.Get(List)).Message);
    }

    [Fact]
    public void Concurrent_updates_all_land()
    {
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int i = 0; i < 10; i++) Save(Entry($"127.0.0.1:5000/app/t{t}:v{i}"));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(40, Store.Get(List).Manifests.Count);
    }

    [Fact]
    public void The_list_of_docker_manifests_is_a_docker_manifest_list_in_distributions_canonical_form()
    {
        var a = Entry("127.0.0.1:5000/app/a:v1");
        var b = Entry("127.0.0.1:5000/app/b:v1", arch: "arm", variant: "v7");
        b.Descriptor.Platform!.OsVersion = "1";
        b.Descriptor.Platform.OsFeatures = ["f1", "f2"];
        var entries = new[] { a, b };
        Assert.Equal(MediaTypes.DockerManifestList, ManifestListJson.MediaTypeFor(entries));
        var body = Encoding.UTF8.GetString(ManifestListJson.Build(entries, MediaTypes.DockerManifestList));
        var expected = $$"""
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
               "manifests": [
                  {
                     "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                     "size": {{a.Descriptor.Size}},
                     "digest": "{{a.Descriptor.Digest}}",
                     "platform": {
                        "architecture": "amd64",
                        "os": "linux"
                     }
                  },
                  {
                     "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                     "size": {{b.Descriptor.Size}},
                     "digest": "{{b.Descriptor.Digest}}",
                     "platform": {
                        "architecture": "arm",
                        "os": "linux",
                        "os.version": "1",
                        "os.features": [
                           "f1",
                           "f2"
                        ],
                        "variant": "v7"
                     }
                  }
               ]
            }
            """;
        Assert.Equal(expected, body);
    }

    [Fact]
    public void A_list_with_an_oci_manifest_is_an_oci_index()
    {
        var entries = new[] { Entry("127.0.0.1:5000/app/a:v1"), Entry("127.0.0.1:5000/app/b:v1", MediaTypes.OciManifest, "arm64", "v8") };
        Assert.Equal(MediaTypes.OciIndex, ManifestListJson.MediaTypeFor(entries));
        var index = ImageJson.ParseIndex(ManifestListJson.Build(entries, MediaTypes.OciIndex), "index");
        Assert.Equal(MediaTypes.OciIndex, index.MediaType);
        Assert.Equal([MediaTypes.DockerManifest, MediaTypes.OciManifest], index.Manifests.Select(m => m.MediaType));
        Assert.Equal("linux/arm64/v8", index.Manifests[1].Platform!.ToString());
        Assert.Equal(entries[1].Descriptor.Digest, index.Manifests[1].Digest);
    }

    [Theory]
    [InlineData("{\"a\":[],\"b\":{},\"c\":[1,2.50],\"s\":\"x\\\" {y}, [z]\"}", "{\n\t\"a\": [],\n\t\"b\": {},\n\t\"c\": [\n\t\t1,\n\t\t2.50\n\t],\n\t\"s\": \"x\\\" {y}, [z]\"\n}")]
    [InlineData("  {\n \"k\" :  \"\\u002B+\" ,\r\n\"n\":null}", "{\n\t\"k\": \"\\u002B+\",\n\t\"n\": null\n}")]
    [InlineData("[ ]", "[]")]
    public void Indent_is_gos_json_indent(string input, string expected) =>
        Assert.Equal(expected, Encoding.UTF8.GetString(ManifestListJson.Indent(Encoding.UTF8.GetBytes(input), "\t")));

    [Fact]
    public void Indent_refuses_invalid_json() =>
        Assert.Throws<InvalidDataException>(() => ManifestListJson.Indent("{\"a\":"u8, "\t"));

    [Fact]
    public void Verbose_output_is_dockers_image_manifest_object()
    {
        var d = Entry("127.0.0.1:5000/app/a:v1");
        var text = Encoding.UTF8.GetString(ManifestListJson.Verbose(d));
        Assert.StartsWith("{\n\t\"Ref\": \"127.0.0.1:5000/app/a:v1\",\n\t\"Descriptor\": {\n\t\t\"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n\t\t\"digest\": \"", text);
        var node = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(["Ref", "Descriptor", "Raw", "SchemaV2Manifest"], node.Select(kv => kv.Key));
        Assert.Equal(d.Raw, Convert.FromBase64String(node["Raw"]!.GetValue<string>()));
        Assert.Equal(["mediaType", "digest", "size", "platform"], node["Descriptor"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal(1990402, node["SchemaV2Manifest"]!["layers"]![0]!["size"]!.GetValue<long>());

        var o = Entry("127.0.0.1:5000/app/b:v1", MediaTypes.OciManifest);
        var array = JsonNode.Parse(Encoding.UTF8.GetString(ManifestListJson.Verbose([d, o])))!.AsArray();
        Assert.Equal(2, array.Count);
        Assert.NotNull(array[1]!["OCIManifest"]);
        Assert.Null(array[1]!["SchemaV2Manifest"]);
    }

    [Fact]
    public void Annotate_sets_the_platform_and_adds_each_feature_once()
    {
        var a = Reference.Parse("127.0.0.1:5000/app/a:v1");
        Save(Entry(a.ToString()));
        new ManifestAnnotation(Os: "linux", Architecture: "arm", Variant: "v6", OsVersion: "5.10", OsFeatures: ["sse4"]).ApplyTo(Store, List, a, "l", "a");
        new ManifestAnnotation(OsFeatures: ["sse4", "avx"]).ApplyTo(Store, List, a, "l", "a");
        var p = Store.Get(List).Manifests[0].Descriptor.Platform!;
        Assert.Equal("linux/arm/v6", p.ToString());
        Assert.Equal("5.10", p.OsVersion);
        Assert.Equal(["sse4", "avx"], p.OsFeatures!);
    }

    [Fact]
    public void Annotate_refuses_what_docker_refuses_and_changes_nothing()
    {
        var a = Reference.Parse("127.0.0.1:5000/app/a:v1");
        Save(Entry(a.ToString()));
        var before = File.ReadAllBytes(Store.FileFor(List));
        var e = Assert.Throws<ManifestException>(() => new ManifestAnnotation(Architecture: "vax").ApplyTo(Store, List, a, "l", "a"));
        Assert.Equal("manifest entry for image has unsupported os/arch combination: linux/vax", e.Message);
        Assert.Equal(before, File.ReadAllBytes(Store.FileFor(List)));

        var missing = Reference.Parse("127.0.0.1:5000/app/nope:v1");
        e = Assert.Throws<ManifestException>(() => new ManifestAnnotation(Os: "linux").ApplyTo(Store, List, missing, "127.0.0.1:5000/app/list:v1", "127.0.0.1:5000/app/nope:v1"));
        Assert.Equal("manifest for image 127.0.0.1:5000/app/nope:v1 does not exist in 127.0.0.1:5000/app/list:v1", e.Message);
        e = Assert.Throws<ManifestException>(() => new ManifestAnnotation().ApplyTo(Store, Reference.Parse("x/none:1"), a, "x/none:1", "a"));
        Assert.Equal("manifest for image a does not exist in x/none:1", e.Message);
    }

    [Theory]
    [InlineData("linux", "amd64", true)]
    [InlineData("linux", "arm64", true)]
    [InlineData("linux", "riscv64", true)]
    [InlineData("windows", "amd64", true)]
    [InlineData("linux", "x86_64", false)]
    [InlineData("", "amd64", false)]
    public void Os_arch_pairs(string os, string arch, bool valid) => Assert.Equal(valid, ManifestAnnotation.IsValidOsArch(os, arch));
}

public sealed class InsecureFlagTests
{
    [Fact]
    public void Insecure_adds_the_references_registries_and_keeps_the_rest_of_the_config()
    {
        var config = new Quai.Registry.Config.RegistryConfig(["10.0.0.0/8"], [new Uri("https://mirror.example/")], TimeSpan.FromSeconds(7), "/certs");
        Reference[] refs = [Reference.Parse("registry.example:5000/a:v1"), Reference.Parse("registry.example:5000/b:v1")];
        Assert.Same(config, InsecureFlag.Apply(config, false, refs));
        Assert.False(config.IsInsecure("registry.example:5000"));

        var applied = InsecureFlag.Apply(config, true, refs);
        Assert.True(applied.IsInsecure("registry.example:5000"));
        Assert.False(applied.IsInsecure("other.example:5000"));
        Assert.True(applied.IsInsecure("10.1.2.3:5000"));
        Assert.Equal(["10.0.0.0/8", "registry.example:5000"], applied.InsecureRegistries);
        Assert.Equal(config.Mirrors, applied.Mirrors);
        Assert.Equal(TimeSpan.FromSeconds(7), applied.Timeout);
        Assert.Equal("/certs", applied.CertsDir);
    }
}
