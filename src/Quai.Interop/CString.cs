using System.Runtime.InteropServices;
using System.Text;

namespace Quai.Interop;

/// <summary>NUL-terminated UTF-8 strings and NULL-terminated string arrays in native memory,
/// for argv/envp of exec calls. Freed on Dispose.</summary>
public sealed unsafe class CStringArray : IDisposable
{
    private readonly List<nint> _blocks = [];
    public byte** Pointer { get; }

    public CStringArray(IReadOnlyList<string> items)
    {
        Pointer = (byte**)NativeMemory.AllocZeroed((nuint)(items.Count + 1), (nuint)sizeof(nint));
        for (var i = 0; i < items.Count; i++) Pointer[i] = Alloc(items[i]);
    }

    public byte* Alloc(string s)
    {
        var bytes = Encoding.UTF8.GetByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)bytes + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, bytes));
        p[bytes] = 0;
        _blocks.Add((nint)p);
        return p;
    }

    public void Dispose()
    {
        foreach (var b in _blocks) NativeMemory.Free((void*)b);
        NativeMemory.Free(Pointer);
    }
}
