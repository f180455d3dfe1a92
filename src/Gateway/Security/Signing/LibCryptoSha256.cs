using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Gateway.Security.Signing;

/// <summary>
/// SHA-256 straight from libcrypto's low-level API (<c>SHA256_Update</c>, <c>SHA256_Transform</c>), for the few hundred
/// bytes a SigV4 verification hashes per request. Why not the .NET API: each of its calls goes through the native shim,
/// which clears OpenSSL's thread-local error queue (<c>ERR_clear_error</c>, libcrypto's top symbol in a profile of
/// verification) and runs EVP's provider dispatch and re-initialisation around hashing that takes well under a
/// microsecond for these sizes. The low-level functions hash the same way (the same assembly, SHA-NI where the CPU
/// has it) and touch neither the error queue nor a provider.
/// <para>
/// The last block is padded here (<see cref="HashRest"/>) and hashed with <c>SHA256_Transform</c>, and the hash read from
/// the state words, rather than through <c>SHA256_Final</c>: that copies the rest into the context, pads it there and
/// then wipes the block (<c>OPENSSL_cleanse</c>, through a pointer so no compiler drops it) — ~0.25 µs of a
/// verification's four finals in a profile under load. Nothing here is secret enough to wipe: the hashes are of a
/// request's own bytes, and an HMAC's keyed states are the signing key's, kept for the day anyway.
/// <see cref="Update"/> is only given whole blocks, so the library's own buffer and counters stay unused.
/// </para>
/// <para>
/// Why this is safe: <c>SHA256_CTX</c> is public, plain memory — eight state words, a bit count, a 64-byte block and
/// two counters, 112 bytes, no pointers, the same layout since OpenSSL 0.9.8 and in 1.1 and 3.x — so a context is
/// cloned by copying its bytes (<see cref="Sha256Context"/>: that is how the HMAC's precomputed states are reused,
/// and its first eight words are the hash state <see cref="HashRest"/> reads the result from
/// <see cref="SigningKey"/>), and <see cref="Initial"/> (the state <c>SHA256_Init</c> leaves) starts a hash without a
/// call. The library is the one .NET's own crypto already loaded (the same sonames, first <c>libcrypto.so.3</c>),
/// resolved with <see cref="NativeLibrary"/> (AOT-safe, no dlopen at each call). Before it is used, a self-test
/// (<see cref="SelfTest"/>) compares it with <see cref="SHA256.HashData(ReadOnlySpan{byte})"/> on the lengths around
/// the block boundaries, split and cloned, and checks that the library writes nothing past 112 bytes of the 128 it is
/// given. Any failure — no library, no symbol (an OpenSSL built without its deprecated API), a different answer —
/// leaves <see cref="Available"/> false and every caller on the .NET API, which is what verification used before.
/// </para>
/// </summary>
internal static unsafe class LibCryptoSha256
{
    /// <summary>The sonames .NET's OpenSSL shim tries, in its order (the first it finds is already loaded).</summary>
    private static readonly string[] Candidates = ["libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"];

    // Called without a GC transition (SuppressGCTransition), which suits functions that are short, never block and never
    // call back: each call hashes pinned memory the caller holds — a few hundred bytes of canonical request, or one of
    // the server's body segments (4 KB blocks: a few microseconds at most), during which a GC waits for this thread as
    // it would for any managed loop. The transition in and out cost as much as a short hash's call
    // (RhpPInvoke/RhpPInvokeReturn in a profile of the signed invoke; up to ten calls per request).
    private static readonly delegate* unmanaged[SuppressGCTransition]<Sha256Context*, int> InitFunction;
    private static readonly delegate* unmanaged[SuppressGCTransition]<Sha256Context*, byte*, nuint, int> UpdateFunction;
    private static readonly delegate* unmanaged[SuppressGCTransition]<Sha256Context*, byte*, void> TransformFunction;
    private static readonly Sha256Context InitialState;

    /// <summary>True when libcrypto's SHA-256 is loaded and passed the self-test; false: use the .NET API.</summary>
    public static bool Available { get; }

    /// <summary>Which library answered (for the start-up log and the docs), or why none did.</summary>
    public static string Description { get; } = "not loaded";

    static LibCryptoSha256()
    {
        if (Environment.GetEnvironmentVariable("GATEWAY_SIGV4_DOTNET_SHA256") == "1")
        {
            Description = "disabled by GATEWAY_SIGV4_DOTNET_SHA256=1";
            return;
        }
        if (!OperatingSystem.IsLinux())
        {
            Description = "not Linux";
            return;
        }
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var library))
            {
                continue;
            }
            if (!NativeLibrary.TryGetExport(library, "SHA256_Init", out var init)
                || !NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
                || !NativeLibrary.TryGetExport(library, "SHA256_Transform", out var transform))
            {
                Description = name + " has no SHA256_Init/Update/Transform";
                continue;
            }
            InitFunction = (delegate* unmanaged[SuppressGCTransition]<Sha256Context*, int>)init;
            UpdateFunction = (delegate* unmanaged[SuppressGCTransition]<Sha256Context*, byte*, nuint, int>)update;
            TransformFunction = (delegate* unmanaged[SuppressGCTransition]<Sha256Context*, byte*, void>)transform;
            Sha256Context initial = default;
            if (InitFunction(&initial) != 1)
            {
                Description = name + ": SHA256_Init failed";
                continue;
            }
            InitialState = initial;
            try
            {
                if (SelfTest())
                {
                    Available = true;
                    Description = name;
                    return;
                }
                Description = name + ": self-test differs from SHA256.HashData";
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Description = name + ": self-test failed: " + ex.Message;
            }
        }
    }

    /// <summary>The state <c>SHA256_Init</c> leaves: a new hash starts as a copy of it.</summary>
    public static ref readonly Sha256Context Initial => ref InitialState;

    /// <summary>Hashes <paramref name="data"/>, which must be whole blocks (a multiple of 64 bytes): the library then
    /// hashes them in place and keeps nothing in its buffer, which <see cref="HashRest"/> relies on.</summary>
    public static void Update(ref Sha256Context context, ReadOnlySpan<byte> data)
    {
        if ((data.Length & (BlockSize - 1)) != 0)
        {
            ThrowNotWholeBlocks();
        }
        fixed (Sha256Context* state = &context)
        fixed (byte* bytes = data)
        {
            UpdateFunction(state, bytes, (nuint)data.Length);
        }
    }

    public const int BlockSize = 64;

    /// <summary>
    /// Hashes <paramref name="rest"/> (any length) into <paramref name="context"/>, which has taken whole blocks only
    /// (<see cref="Update"/>, or none), then the padding for a message of <paramref name="totalBytes"/> bytes in all, and
    /// writes the hash (32 bytes). <paramref name="context"/> is spent after: start it over from <see cref="Initial"/>.
    /// </summary>
    [SkipLocalsInit] // every byte of the padded block that is hashed is written first
    public static void HashRest(ref Sha256Context context, ReadOnlySpan<byte> rest, ulong totalBytes, Span<byte> hash)
    {
        if (hash.Length < 32)
        {
            ThrowTooShort();
        }
        int whole = rest.Length & ~(BlockSize - 1);
        if (whole > 0)
        {
            Update(ref context, rest[..whole]);
            rest = rest[whole..];
        }
        // FIPS 180-4 §5.1.1: the rest, a 1 bit, zeros, and the message's length in bits (64 bits, big-endian) to fill
        // one block, or two when the rest leaves fewer than 9 bytes.
        Span<byte> last = stackalloc byte[2 * BlockSize];
        int end = rest.Length < BlockSize - 8 ? BlockSize : 2 * BlockSize;
        rest.CopyTo(last);
        last[rest.Length] = 0x80;
        last[(rest.Length + 1)..(end - 8)].Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(last[(end - 8)..], totalBytes * 8);
        fixed (Sha256Context* state = &context)
        fixed (byte* block = last)
        {
            TransformFunction(state, block);
            if (end > BlockSize)
            {
                TransformFunction(state, block + BlockSize);
            }
        }
        for (int i = 0; i < 8; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(hash[(4 * i)..], context[i]);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowNotWholeBlocks() => throw new ArgumentException("SHA256_Update is given whole 64-byte blocks here.");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowTooShort() => throw new ArgumentException("A SHA-256 hash is 32 bytes.");

    /// <summary>
    /// Bit-exact against the .NET API on every length from 0 to 200 and a few larger ones, hashed with the whole blocks
    /// of a split point first (<see cref="Update"/>) and the rest last (<see cref="HashRest"/>), at every block-relevant
    /// split, and through a copied (cloned) context; and libcrypto writes nothing past the 112 bytes its
    /// <c>SHA256_CTX</c> has (the 16 bytes after it keep a canary).
    /// </summary>
    private static bool SelfTest()
    {
        var data = new byte[1000];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 131 + 7);
        }
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        foreach (int length in LengthsToTest())
        {
            var input = data.AsSpan(0, length);
            SHA256.HashData(input, expected);
            foreach (int split in new[] { 0, 1, length / 2, 55, 56, 63, 64, 65, 128, 129 })
            {
                if (split > length)
                {
                    continue;
                }
                int whole = split & ~(BlockSize - 1);
                Sha256Context context = InitialState;
                context.Canary = Sha256Context.CanaryValue;
                Update(ref context, input[..whole]);
                var clone = context; // a copied context must carry on exactly as the original
                HashRest(ref clone, input[whole..], (ulong)length, actual);
                if (clone.Canary != Sha256Context.CanaryValue || !actual.SequenceEqual(expected))
                {
                    return false;
                }
                HashRest(ref context, input[whole..], (ulong)length, actual);
                if (context.Canary != Sha256Context.CanaryValue || !actual.SequenceEqual(expected))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static IEnumerable<int> LengthsToTest()
    {
        for (int length = 0; length <= 200; length++)
        {
            yield return length;
        }
        yield return 447;
        yield return 448;
        yield return 1000;
    }
}

/// <summary>
/// A <c>SHA256_CTX</c> (112 bytes) with room to spare (128): plain memory, copied to clone. The last 16 bytes are
/// never the library's; the self-test puts a canary there to prove it.
/// </summary>
[InlineArray(32)]
internal struct Sha256Context
{
    public const ulong CanaryValue = 0x5AFE_C0DE_5AFE_C0DE;

    private uint _first;

    /// <summary>Bytes 120–127: past the end of OpenSSL's <c>SHA256_CTX</c>.</summary>
    public ulong Canary
    {
        get => ((ulong)this[31] << 32) | this[30];
        set
        {
            this[30] = (uint)value;
            this[31] = (uint)(value >> 32);
        }
    }
}
