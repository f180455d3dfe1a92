namespace Gateway.Functions.Code;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table-driven: the zip format's checksum and the AWS
/// event-stream prelude and message checksums (Streaming/EventStreamMessage). Written here rather than taken from the
/// System.IO.Hashing package: one small table is cheaper than a new dependency in an AOT binary, and the framework's
/// own zip CRC is internal.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        return table;
    }

    /// <summary>Continues a CRC: start with 0, pass each piece's result into the next call.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        var table = Table;
        foreach (byte b in data)
        {
            c = table[(c ^ b) & 0xFF] ^ (c >> 8);
        }
        return ~c;
    }
}
