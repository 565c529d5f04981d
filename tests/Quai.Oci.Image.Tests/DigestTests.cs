using System.Text;
using Quai.Oci.Image;

namespace Quai.Oci.Image.Tests;

public class DigestTests
{
    [Fact]
    public void Computes_sha256_of_content()
    {
        Assert.Equal("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.Compute([]).ToString());
        var d = Digest.Compute(new MemoryStream(Encoding.ASCII.GetBytes("abc")));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", d.Hex);
        Assert.Equal("ba7816bf8f01", d.Short);
    }

    [Theory]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("sha256:e3b0")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha256:../../../../etc/passwd0000000000000000000000000000000000000000")]
    public void Rejects_malformed(string s)
    {
        Assert.False(Digest.TryParse(s, out _));
        var e = Assert.Throws<FormatException>(() => Digest.Parse(s));
        Assert.Contains(s, e.Message);
    }

    [Fact]
    public void Round_trips()
    {
        var s = "sha256:" + new string('a', 64);
        Assert.Equal(s, Digest.Parse(s).ToString());
        Assert.Equal(Digest.Parse(s), Digest.FromHex(new string('a', 64)));
    }
}
