using Quai.Engine.Containers;
using Quai.Engine.Monitor;

namespace Quai.Engine;

/// <summary>`docker container resize` and the resize that run -it, attach and start -a send on SIGWINCH: the
/// container's monitor sets the size of the pty master it holds (the kernel signals the container's foreground).</summary>
public sealed partial class ContainerEngine
{
    public void Resize(string nameOrId, ushort rows, ushort cols)
    {
        var c = Store.Load(Store.Resolve(nameOrId));
        if (!c.Config.Tty) return; // as dockerd: nothing to resize without a terminal
        if (c.State.Status is not ("running" or "paused")) throw new ConflictException($"Container {c.Id} is not running");
        using var s = AttachProtocol.Connect(Store.Dir(c.Id));
        var msg = new byte[5];
        msg[0] = (byte)'r';
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(1), rows);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(3), cols);
        s.Send(msg);
    }
}
