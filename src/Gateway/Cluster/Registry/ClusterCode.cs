using System.Collections.Concurrent;
using System.Security.Cryptography;
using Gateway.Cluster.Registry;
using Gateway.Functions.Code;
using Gateway.Functions.Registry;

namespace Gateway.ClusterMode.Registry;

/// <summary>
/// Moves deployment packages between this node's <see cref="CodeStore"/> and Redis (<see cref="RedisCodeBlobs"/>), by
/// CodeSha256: a zip is published to Redis before any change that names it is committed (so no node ever sees a version
/// whose code it cannot get), and fetched by a node that does not have it before it applies such a change. What is
/// fetched is hashed while it is written and used only when the SHA-256 matches the name it was asked for: a mismatch
/// is refused (deleted, never extracted, never run).
/// </summary>
internal sealed class ClusterCode(CodeStore store, RedisCodeBlobs blobs)
{
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>Zips known to be complete in Redis (a zip's content never changes under its name).</summary>
    private readonly ConcurrentDictionary<string, bool> _inRedis = new(StringComparer.Ordinal);

    public CodeStore Store => store;

    /// <summary>Makes sure Redis holds the zip <paramref name="sha256Hex"/> (this node has it: it took the upload).</summary>
    /// <exception cref="RegistryStoreException">Neither here nor in Redis, or Redis could not be reached.</exception>
    public void Publish(string sha256Hex)
    {
        if (_inRedis.ContainsKey(sha256Hex))
        {
            return;
        }
        try
        {
            if (!blobs.Contains(sha256Hex))
            {
                if (!store.TryGet(sha256Hex, out var code))
                {
                    throw new RegistryStoreException($"the deployment package {sha256Hex} is neither on this node nor in the cluster.");
                }
                using var file = new FileStream(code.ZipPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
                blobs.Put(sha256Hex, file);
            }
            _inRedis[sha256Hex] = true;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or StackExchange.Redis.RedisTimeoutException)
        {
            throw new RegistryStoreException("the deployment package could not be stored: the cluster registry (Redis) " + RedisFailure.Describe(ex) + ".", ex);
        }
    }

    /// <summary>The extraction folder of the zip <paramref name="sha256Hex"/>: extracted from this node's copy, or fetched
    /// from Redis (verified) first.</summary>
    /// <exception cref="CodeUnavailableException">Not in Redis, not matching its hash, or not extractable.</exception>
    /// <exception cref="StackExchange.Redis.RedisException">Redis could not be reached.</exception>
    public string Materialize(string sha256Hex)
    {
        if (sha256Hex.Length != 64 || sha256Hex.AsSpan().ContainsAnyExcept(LowerHex))
        {
            throw new CodeUnavailableException($"'{sha256Hex}' does not name a deployment package (a lower-case hex SHA-256).");
        }
        if (!store.TryGet(sha256Hex, out var code))
        {
            code = Fetch(sha256Hex);
        }
        var extracted = store.Extract(code);
        if (!extracted.Succeeded)
        {
            throw new CodeUnavailableException($"the deployment package {sha256Hex} does not extract: {extracted.Error!.Value.Message}");
        }
        return extracted.Directory!;
    }

    private StoredCode Fetch(string sha256Hex)
    {
        string spooled = Path.Combine(store.SpoolDirectory, "cluster-" + sha256Hex + "-" + Guid.NewGuid().ToString("N") + ".zip");
        try
        {
            byte[] hash;
            long size;
            bool found;
            using (var file = new FileStream(spooled, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            using (var hashing = new HashingStream(file))
            {
                found = blobs.TryCopyTo(sha256Hex, hashing, out size);
                hash = hashing.Hash();
                file.Flush(flushToDisk: true);
            }
            if (!found)
            {
                throw new CodeUnavailableException($"the deployment package {sha256Hex} is not in the cluster (yet).");
            }
            if (Convert.ToHexStringLower(hash) != sha256Hex)
            {
                // Never stored under the name it claims: a corrupt or tampered copy does not run.
                throw new CodeUnavailableException($"the deployment package {sha256Hex} read from Redis hashes to {Convert.ToHexStringLower(hash)}: refused.");
            }
            _inRedis[sha256Hex] = true;
            return store.Store(new UploadedZip(spooled, size, hash));
        }
        finally
        {
            ManagementBody.TryDelete(spooled); // gone already when stored (moved)
        }
    }

    /// <summary>A write-only stream that hashes what passes through it.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public byte[] Hash() => _hash.GetHashAndReset();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>A change names a deployment package this node cannot get (yet): it is applied once the package is there.</summary>
internal sealed class CodeUnavailableException(string message) : Exception(message);
