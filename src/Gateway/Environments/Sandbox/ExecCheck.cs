using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Gateway.Native;
using Microsoft.Win32.SafeHandles;

namespace Gateway.Environments.Sandbox;

/// <summary>
/// What the kernel's exec would answer for an executable in the namespace, found from the host before bubblewrap
/// starts it: inside, only bwrap would notice, and it says less than Lambda does (an exit status), or more — its
/// execvp runs a file with no <c>#!</c> line through /bin/sh, which Lambda's Go init (fork/exec) never does.
/// So each mistake a custom runtime is deployed with gets Lambda's <c>Runtime.InvalidEntrypoint</c> text:
/// <list type="bullet">
/// <item>missing, or a symlink to nothing: ENOENT ("Couldn't find valid bootstrap(s)", as Lambda's stat finds none);</item>
/// <item>no execute bit, or not a regular file (a folder, a FIFO): EACCES ("permission denied");</item>
/// <item>an ELF for another CPU (an arm64 build on an x86_64 host, where no binfmt_misc handler would run it), or
///   neither ELF nor <c>#!</c>: ENOEXEC ("exec format error");</item>
/// <item>an interpreter that is not there — a <c>#!/bin/sh\r</c> line saved with Windows line endings, or a 64-bit
///   ELF's loader (a musl build): ENOENT on the file itself ("fork/exec /var/task/bootstrap: no such file or
///   directory"), <see cref="SpawnStep.Interpreter"/>.</item>
/// </list>
/// Paths are resolved component by component as the namespace sees them (<see cref="NamespacePaths"/>), so a link
/// into a layer, a folder link on the way or one that climbs out of the code folder lands where the function's would.
/// Wherever it cannot be sure (a link it cannot read, a malformed header), it lets exec decide.
/// </summary>
internal static class ExecCheck
{
    private const int ENOENT = 2;
    private const int ENOEXEC = 8;
    private const int EACCES = 13;
    private const int HeadLength = 256; // the kernel's BINPRM_BUF_SIZE: how much of a #! line it reads

    private const int AnyExecute = 0b001_001_001; // st_mode's x bits for user, group and others

    /// <summary>Throws <see cref="SpawnException"/> (naming <paramref name="seen"/>) when exec would fail.</summary>
    public static void Check(string seen, NamespacePaths paths)
    {
        if (Errno(seen, paths) is var (errno, step) && errno != 0)
        {
            throw new SpawnException(seen, step, errno);
        }
    }

    private static (int Errno, SpawnStep Step) Errno(string seen, NamespacePaths paths)
    {
        try
        {
            var host = paths.Resolve(seen);
            int mode = host is null ? LibC.NoSuchFile : LibC.FileMode(host);
            if (host is null || mode == LibC.NoSuchFile)
            {
                return (ENOENT, SpawnStep.Exec);
            }
            if (mode == LibC.UnknownFileMode)
            {
                return (0, SpawnStep.Exec); // cannot be told here: exec decides
            }
            if ((mode & LibC.FileTypeMask) != LibC.RegularFile || (mode & AnyExecute) == 0)
            {
                return (EACCES, SpawnStep.Exec); // a folder, a FIFO, no execute bit: exec's EACCES
            }
            int error = Format(host, paths);
            return (error, error == ENOENT ? SpawnStep.Interpreter : SpawnStep.Exec);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (0, SpawnStep.Exec); // unreadable, or a name no path can have (a NUL in a #! line): exec decides
        }
    }

    /// <summary>0, ENOEXEC or ENOENT (its interpreter is missing) from the file's first bytes.</summary>
    private static int Format(string host, NamespacePaths paths)
    {
        Span<byte> head = stackalloc byte[HeadLength];
        using var file = File.OpenHandle(host);
        int length = RandomAccess.Read(file, head, 0);
        head = head[..length];
        if (head.StartsWith("\u007fELF"u8))
        {
            return Elf(file, head, paths);
        }
        if (head.StartsWith("#!"u8))
        {
            return Interpreter(head[2..], paths);
        }
        return ENOEXEC;
    }

    /// <summary>The <c>#!</c> line's interpreter as the kernel takes it: after spaces and tabs, up to the next space,
    /// tab or newline — so a CR that Windows left is part of its name.</summary>
    private static int Interpreter(ReadOnlySpan<byte> line, NamespacePaths paths)
    {
        int newline = line.IndexOf((byte)'\n');
        line = (newline >= 0 ? line[..newline] : line).TrimStart(" \t"u8);
        int end = line.IndexOfAny(" \t"u8);
        var name = end >= 0 ? line[..end] : line;
        if (name.IsEmpty)
        {
            return ENOEXEC;
        }
        if (name[0] != (byte)'/')
        {
            return 0; // relative to the working directory: rare, exec decides
        }
        return Exists(System.Text.Encoding.UTF8.GetString(name), paths) ? 0 : ENOENT;
    }

    /// <summary>ENOEXEC for another CPU's ELF (unless binfmt_misc may run it); ENOENT when a 64-bit ELF's program
    /// interpreter (its dynamic loader) is missing. A 32-bit ELF is left to exec.</summary>
    private static int Elf(SafeFileHandle file, ReadOnlySpan<byte> head, NamespacePaths paths)
    {
        const int ElfClass64 = 2, LittleEndian = 1, PtInterp = 3;
        if (head.Length < 64 || HostMachine() is not { } machine)
        {
            return 0;
        }
        ushort elfMachine = BinaryPrimitives.ReadUInt16LittleEndian(head[18..]);
        if (head[5] != LittleEndian || elfMachine != machine)
        {
            // A 32-bit x86 build on x86_64 may run (IA-32 emulation); a foreign one may through binfmt_misc (qemu-user).
            bool maybe = (head[5] == LittleEndian && machine == Em.X86_64 && elfMachine == Em.I386) || ForeignBinariesMayRun();
            return maybe ? 0 : ENOEXEC;
        }
        if (head[4] != ElfClass64)
        {
            return 0;
        }
        long headers = BinaryPrimitives.ReadInt64LittleEndian(head[32..]);
        int size = BinaryPrimitives.ReadUInt16LittleEndian(head[54..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(head[56..]);
        if (headers <= 0 || size < 56 || count > 256)
        {
            return 0; // malformed: the kernel's answer
        }
        Span<byte> header = stackalloc byte[56];
        for (int i = 0; i < count; i++)
        {
            if (RandomAccess.Read(file, header, headers + (long)i * size) < 56)
            {
                return 0;
            }
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != PtInterp)
            {
                continue;
            }
            long offset = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
            long length = BinaryPrimitives.ReadInt64LittleEndian(header[32..]);
            if (offset < 0 || length is <= 1 or > 4096)
            {
                return 0;
            }
            var name = new byte[length];
            int read = RandomAccess.Read(file, name, offset);
            var loader = name.AsSpan(0, read).TrimEnd((byte)0);
            if (loader.IsEmpty || loader[0] != (byte)'/')
            {
                return 0;
            }
            return Exists(System.Text.Encoding.UTF8.GetString(loader), paths) ? 0 : ENOENT;
        }
        return 0; // static: no loader to find
    }

    private static bool Exists(string seen, NamespacePaths paths) => paths.Resolve(seen) is { } host && LibC.FileMode(host) != LibC.NoSuchFile;

    /// <summary>Whether any binfmt_misc handler is registered (qemu-user, Docker Desktop's Rosetta): then a foreign
    /// ELF may run, and exec decides.</summary>
    private static bool ForeignBinariesMayRun()
    {
        const string Folder = "/proc/sys/fs/binfmt_misc";
        try
        {
            return Directory.Exists(Folder)
                && Directory.EnumerateFileSystemEntries(Folder).Any(static e => Path.GetFileName(e) is not ("register" or "status"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static ushort? HostMachine() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => Em.X86_64,
        Architecture.Arm64 => Em.AArch64,
        _ => null,
    };

    /// <summary>ELF <c>e_machine</c> values.</summary>
    private static class Em
    {
        public const ushort I386 = 3;
        public const ushort X86_64 = 62;
        public const ushort AArch64 = 183;
    }
}
