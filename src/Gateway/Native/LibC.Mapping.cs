using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>
/// mmap(2)/munmap(2) for the log index's shared mapping (Logs/MappedStreamIndex.cs). Not System.IO.MemoryMappedFiles:
/// its view's Dispose flushes with msync(MS_SYNC), a synchronous write-back of every dirty page of the mapping, and
/// the index is remapped on the thread that completes invocations whenever it grows. munmap leaves dirty pages to the
/// kernel's write-back; they are in the page cache either way, which is all the index promises.
/// </summary>
internal static unsafe partial class LibC
{
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x01;

    /// <summary>mmap's failure value, (void*)-1.</summary>
    public static readonly void* MAP_FAILED = (void*)-1;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int munmap(void* addr, nuint length);
}
