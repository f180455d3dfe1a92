using System.Buffers;
using StackExchange.Redis;

namespace Gateway.Cluster.Registry;

/// <summary>
/// Deployment packages in Redis by their hex SHA-256, so a zip uploaded on one node runs on every node — also after the
/// node that took the upload is gone. Each zip is written in <see cref="ChunkBytes"/> pieces (one HSET each): a 50 MB
/// zip never holds Redis (and the admission scripts every node runs on it) for more than one chunk's write and fsync.
/// The <c>size</c>/<c>chunks</c> fields are written last, so a zip is either complete or not there.
/// Nothing here checks content: the caller verifies the SHA-256 of what it reads before it uses it.
/// </summary>
public sealed class RedisCodeBlobs(ClusterConnection connection)
{
    public const int ChunkBytes = 1024 * 1024;

    private const string SizeField = "size";
    private const string ChunksField = "chunks";

    /// <summary>True when a complete copy is in Redis.</summary>
    public bool Contains(string sha256Hex) => connection.Database.HashExists(RegistryKeys.Code(sha256Hex), ChunksField);

    /// <summary>Copies <paramref name="zip"/> (read to its end) into Redis under <paramref name="sha256Hex"/>.</summary>
    /// <exception cref="RedisException">Redis could not be reached (a partial copy stays incomplete and is written again).</exception>
    public void Put(string sha256Hex, Stream zip)
    {
        var key = (RedisKey)RegistryKeys.Code(sha256Hex);
        var db = connection.Database;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long size = 0;
            int chunk = 0;
            while (true)
            {
                int filled = ReadFully(zip, buffer.AsSpan(0, ChunkBytes));
                if (filled == 0)
                {
                    break;
                }
                db.HashSet(key, chunk, buffer.AsMemory(0, filled));
                size += filled;
                chunk++;
                if (filled < ChunkBytes)
                {
                    break;
                }
            }
            db.HashSet(key, [new HashEntry(SizeField, size), new HashEntry(ChunksField, chunk)]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the zip to <paramref name="destination"/>; false when Redis has no complete copy.</summary>
    /// <exception cref="RedisException">Redis could not be reached.</exception>
    public bool TryCopyTo(string sha256Hex, Stream destination, out long size)
    {
        var key = (RedisKey)RegistryKeys.Code(sha256Hex);
        var db = connection.Database;
        var header = db.HashGet(key, [SizeField, ChunksField]);
        size = 0;
        if (header[0].IsNull || header[1].IsNull)
        {
            return false;
        }
        long chunks = (long)header[1];
        for (long i = 0; i < chunks; i++)
        {
            byte[]? bytes = db.HashGet(key, i);
            if (bytes is null)
            {
                return false;
            }
            destination.Write(bytes);
            size += bytes.Length;
        }
        return size == (long)header[0];
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = stream.Read(buffer[filled..]);
            if (n == 0)
            {
                break;
            }
            filled += n;
        }
        return filled;
    }
}
