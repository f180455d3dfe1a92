using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Native;

/// <summary>NUL-terminated UTF-8 copies of managed strings (and NULL-terminated arrays of them) for exec-style
/// calls, freed together.</summary>
internal sealed unsafe class NativeStrings : IDisposable
{
    private readonly List<IntPtr> _allocations = [];

    public byte* Add(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length) + 1;
        var p = (byte*)NativeMemory.Alloc((nuint)max);
        _allocations.Add((IntPtr)p);
        int n = Encoding.UTF8.GetBytes(value, new Span<byte>(p, max));
        p[n] = 0;
        return p;
    }

    public byte** AddArray(IReadOnlyList<string> values)
    {
        var array = (byte**)NativeMemory.Alloc((nuint)((values.Count + 1) * sizeof(byte*)));
        _allocations.Add((IntPtr)array);
        for (int i = 0; i < values.Count; i++)
        {
            array[i] = Add(values[i]);
        }
        array[values.Count] = null;
        return array;
    }

    public void Dispose()
    {
        foreach (var p in _allocations)
        {
            NativeMemory.Free((void*)p);
        }
        _allocations.Clear();
    }
}
