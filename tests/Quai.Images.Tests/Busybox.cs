namespace Quai.Images.Tests;

/// <summary>A minimal real root filesystem: the static /usr/bin/busybox and a few applet links.</summary>
public static class Busybox
{
    public const string Path = "/usr/bin/busybox";

    public static byte[] RootfsTar()
    {
        var b = new TarBuilder().Dir("bin/").Dir("etc/").Dir("tmp/", 0x3FF /* 01777 */);
        b.File("bin/busybox", File.ReadAllBytes(Path), 0x1ED);
        foreach (var applet in new[] { "sh", "ls", "cat", "echo", "true" }) b.Symlink("bin/" + applet, "busybox");
        b.File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        return b.Bytes();
    }
}
