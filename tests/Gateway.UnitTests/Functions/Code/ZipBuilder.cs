using System.Buffers.Binary;
using System.IO.Compression;

namespace Gateway.UnitTests.Functions.Code;

/// <summary>
/// Builds zips the way Unix and Windows tools write them: entries with a Unix <c>st_mode</c> in the high 16 bits of
/// their external attributes (what Info-ZIP and the AWS CLI's packagers write), entries with none (Windows), symlinks
/// (mode S_IFLNK, content = target), and zip bombs whose headers understate the inflated size.
/// </summary>
internal sealed class ZipBuilder
{
    private readonly List<(string Name, byte[] Content, int? Mode)> _entries = [];

    /// <summary>Octal digits to an int, e.g. <c>Octal("100755")</c>.</summary>
    public static int Octal(string digits) => Convert.ToInt32(digits, 8);

    /// <param name="permissions">Octal permission bits ("755"); null: no Unix mode at all (zipped on Windows).</param>
    public ZipBuilder File(string name, byte[] content, string? permissions = "644")
    {
        _entries.Add((name, content, permissions is null ? null : Octal("100000") | Octal(permissions)));
        return this;
    }

    public ZipBuilder File(string name, string content, string? permissions = "644")
        => File(name, System.Text.Encoding.UTF8.GetBytes(content), permissions);

    public ZipBuilder Directory(string name, string? permissions = "755")
    {
        _entries.Add((name.EndsWith('/') ? name : name + "/", [], permissions is null ? null : Octal("40000") | Octal(permissions)));
        return this;
    }

    public ZipBuilder Symlink(string name, string target)
    {
        _entries.Add((name, System.Text.Encoding.UTF8.GetBytes(target), Octal("120777")));
        return this;
    }

    /// <summary>An entry with a raw mode (type and permission bits), for odd cases like setuid.</summary>
    public ZipBuilder Raw(string name, byte[] content, int mode)
    {
        _entries.Add((name, content, mode));
        return this;
    }

    public byte[] Build()
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, mode) in _entries)
            {
                var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                entry.ExternalAttributes = mode is null ? 0 : unchecked((int)((uint)mode.Value << 16));
                using var writer = entry.Open();
                writer.Write(content);
            }
        }
        return stream.ToArray();
    }

    /// <summary>A zip whose single entry inflates to <paramref name="inflated"/> zero bytes while every header
    /// declares <paramref name="declared"/> bytes.</summary>
    public static byte[] Bomb(int inflated, uint declared)
    {
        byte[] zip = new ZipBuilder().File("bomb.bin", new byte[inflated]).Build();
        // Local file header (PK\3\4): uncompressed size at +22. Central directory header (PK\1\2): at +24.
        for (int i = 0; i + 4 <= zip.Length; i++)
        {
            uint signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature == 0x04034b50 && i + 26 <= zip.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 22), declared);
            }
            else if (signature == 0x02014b50 && i + 28 <= zip.Length)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), declared);
            }
        }
        return zip;
    }
}
