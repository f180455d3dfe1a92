using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Gateway.Security.Signing;

/// <summary>
/// SHA-256 straight from libcrypto's low-level API (<c>SHA256_Update</c>, <c>SHA256_Final</c>), for the few hundred
/// bytes a SigV4 verification hashes per request. Why not the .NET API: each of its calls goes through the native shim,
/// which clears OpenSSL's thread-local error queue (<c>ERR_clear_error</c>, libcrypto's top symbol in a profile of
/// verification) and runs EVP's provider dispatch and re-initialisation around hashing that takes well under a
/// microsecond for these sizes. The low-level functions hash the same way (the same assembly, SHA-NI where the CPU
/// has it) and touch neither the error queue nor a provider.
/// <para>
/// Why this is safe: <c>SHA256_CTX</c> is public, plain memory — eight state words, a bit count, a 64-byte block and
/// two counters, 112 bytes, no pointers, the same layout since OpenSSL 0.9.8 and in 1.1 and 3.x — so a context is
/// cloned by copying its bytes (<see cref="Sha256Context"/>: that is how the HMAC's precomputed states are reused,
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
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, Sha256Context*, int> FinalFunction;
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
                || !NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
            {
                Description = name + " has no SHA256_Init/Update/Final";
                continue;
            }
            InitFunction = (delegate* unmanaged[SuppressGCTransition]<Sha256Context*, int>)init;
            UpdateFunction = (delegate* unmanaged[SuppressGCTransition]<Sha256Context*, byte*, nuint, int>)update;
            FinalFunction = (delegate* unmanaged[SuppressGCTransition]<byte*, Sha256Context*, int>)final;
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

    public static void Update(ref Sha256Context context, ReadOnlySpan<byte> data)
    {
        fixed (Sha256Context* state = &context)
        fixed (byte* bytes = data)
        {
            UpdateFunction(state, bytes, (nuint)data.Length);
        }
    }

    /// <summary>Writes the hash (32 bytes) and starts <paramref name="context"/> over (a copy of <see cref="Initial"/>).</summary>
    public static void Final(ref Sha256Context context, Span<byte> hash)
    {
        FinalThenDiscard(ref context, hash);
        context = InitialState;
    }

    /// <summary>Writes the hash (32 bytes) and leaves <paramref name="context"/> spent: for a copy on the stack that is
    /// dropped at once (an HMAC's halves), which need not be started over (a 128-byte copy each).</summary>
    public static void FinalThenDiscard(ref Sha256Context context, Span<byte> hash)
    {
        if (hash.Length < 32)
        {
            ThrowTooShort();
        }
        fixed (Sha256Context* state = &context)
        fixed (byte* output = hash)
        {
            FinalFunction(output, state);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowTooShort() => throw new ArgumentException("A SHA-256 hash is 32 bytes.");

    /// <summary>
    /// Bit-exact against the .NET API on every length from 0 to 200 and a few larger ones, hashed whole and split at
    /// every block-relevant point, and through a copied (cloned) context; and libcrypto writes nothing past the
    /// 112 bytes its <c>SHA256_CTX</c> has (the 16 bytes after it keep a canary).
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
            foreach (int split in new[] { 0, 1, length / 2, 55, 56, 63, 64, 65 })
            {
                if (split > length)
                {
                    continue;
                }
                Sha256Context context = InitialState;
                context.Canary = Sha256Context.CanaryValue;
                Update(ref context, input[..split]);
                var clone = context; // a copied context must carry on exactly as the original
                Update(ref clone, input[split..]);
                if (!FinalKeepsCanary(ref clone, actual) || !actual.SequenceEqual(expected))
                {
                    return false;
                }
                Update(ref context, input[split..]);
                if (!FinalKeepsCanary(ref context, actual) || !actual.SequenceEqual(expected))
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary><c>SHA256_Final</c>, then whether the bytes past the library's 112 still hold the canary.</summary>
    private static bool FinalKeepsCanary(ref Sha256Context context, Span<byte> hash)
    {
        fixed (Sha256Context* state = &context)
        fixed (byte* output = hash)
        {
            FinalFunction(output, state);
        }
        return context.Canary == Sha256Context.CanaryValue;
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
