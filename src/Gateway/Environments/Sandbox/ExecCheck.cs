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
/// <item>no execute bit: EACCES ("permission denied");</item>
/// <item>an ELF for another CPU (an arm64 build on an x86_64 host), or neither ELF nor <c>#!</c>: ENOEXEC
///   ("exec format error");</item>
/// <item>an interpreter that is not there — a <c>#!/bin/sh\r</c> line saved with Windows line endings, or an ELF's
///   loader (a musl or 32-bit build): ENOENT on the file itself ("fork/exec /var/task/bootstrap: no such file or
///   directory"), <see cref="SpawnStep.Interpreter"/>.</item>
/// </list>
/// Paths are resolved as the namespace sees them (<paramref name="hostOf"/> maps /var/task, /opt and /var/runtime to
/// their host folders; everything else is the host's, bound read-only), symlinks included. Where it cannot be sure
/// (a link it cannot read), it lets exec decide.
/// </summary>
internal static class ExecCheck
{
    private const int ENOENT = 2;
    private const int ENOEXEC = 8;
    private const int EACCES = 13;
    private const int MaxLinks = 40; // the kernel's MAXSYMLINKS
    private const int HeadLength = 256; // the kernel's BINPRM_BUF_SIZE: how much of a #! line it reads

    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Throws <see cref="SpawnException"/> (naming <paramref name="seen"/>) when exec would fail.</summary>
    public static void Check(string seen, Func<string, string> hostOf)
    {
        var host = Resolve(seen, hostOf);
        if (host is null || !File.Exists(host))
        {
            throw new SpawnException(seen, SpawnStep.Exec, ENOENT);
        }
        if (OperatingSystem.IsWindows() || (File.GetUnixFileMode(host) & AnyExecute) == 0) // (the analyser's guard: Linux only)
        {
            throw new SpawnException(seen, SpawnStep.Exec, EACCES);
        }
        var error = Format(host, hostOf);
        if (error != 0)
        {
            throw new SpawnException(seen, error == ENOENT ? SpawnStep.Interpreter : SpawnStep.Exec, error);
        }
    }

    /// <summary>The host path of the file <paramref name="seen"/> ends at after its symlinks; null when a link points
    /// nowhere the namespace has (dangling, or a loop).</summary>
    internal static string? Resolve(string seen, Func<string, string> hostOf)
    {
        var path = seen;
        for (int hop = 0; hop <= MaxLinks; hop++)
        {
            var host = hostOf(path);
            string? target;
            try
            {
                target = new FileInfo(host).LinkTarget;
            }
            catch (IOException)
            {
                return host; // unreadable: exec decides
            }
            catch (UnauthorizedAccessException)
            {
                return host;
            }
            if (target is null)
            {
                return host;
            }
            // A relative target is relative to the link's folder as the namespace sees it.
            path = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(path) ?? "/", target));
        }
        return null;
    }

    /// <summary>0, ENOEXEC or ENOENT (its interpreter is missing) from the file's first bytes.</summary>
    private static int Format(string host, Func<string, string> hostOf)
    {
        Span<byte> head = stackalloc byte[HeadLength];
        int length;
        try
        {
            using var file = File.OpenHandle(host);
            length = RandomAccess.Read(file, head, 0);
            head = head[..length];
            if (head.StartsWith("\u007fELF"u8))
            {
                return Elf(file, head, hostOf);
            }
        }
        catch (IOException)
        {
            return 0; // unreadable by the gateway: exec decides
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
        if (head.StartsWith("#!"u8))
        {
            return Interpreter(head[2..], hostOf);
        }
        return ENOEXEC;
    }

    /// <summary>The <c>#!</c> line's interpreter as the kernel takes it: after spaces and tabs, up to the next space,
    /// tab or newline — so a CR that Windows left is part of its name.</summary>
    private static int Interpreter(ReadOnlySpan<byte> line, Func<string, string> hostOf)
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
        var host = Resolve(System.Text.Encoding.UTF8.GetString(name), hostOf);
        return host is not null && File.Exists(host) ? 0 : ENOENT;
    }

    /// <summary>ENOEXEC for another CPU's ELF; ENOENT when its program interpreter (the dynamic loader) is missing.</summary>
    private static int Elf(SafeFileHandle file, ReadOnlySpan<byte> head, Func<string, string> hostOf)
    {
        const int ElfClass64 = 2, LittleEndian = 1, PtInterp = 3;
        if (head.Length < 64 || HostMachine() is not { } machine)
        {
            return 0;
        }
        ushort elfMachine = BinaryPrimitives.ReadUInt16LittleEndian(head[18..]);
        if (head[5] != LittleEndian || elfMachine != machine)
        {
            // A 32-bit x86 build on x86_64 is not refused here: whether it runs is the loader's question below.
            return head[5] == LittleEndian && machine == Em.X86_64 && elfMachine == Em.I386 ? 0 : ENOEXEC;
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
            if (length is <= 1 or > 4096)
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
            var host = Resolve(System.Text.Encoding.UTF8.GetString(loader), hostOf);
            return host is not null && File.Exists(host) ? 0 : ENOENT;
        }
        return 0; // static: no loader to find
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
