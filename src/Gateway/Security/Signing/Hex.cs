using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gateway.Security.Signing;

/// <summary>
/// Lowercase hex for SigV4's 32-byte hashes and signatures, by table, one byte at a time. Why not
/// <c>Convert.ToHexStringLower</c> / <c>Convert.FromHexString</c>: native AOT compiles for the baseline x64 instruction
/// set, where their vector paths call <c>Vector128.Shuffle</c> as a software fallback instead of one instruction; a
/// profile of the signed path under load had ~13 % of the verifier's samples there. For 32 bytes a table is faster
/// than that and as exact: it accepts exactly what <c>Convert.FromHexString</c> accepts (<c>0-9 a-f A-F</c>).
/// </summary>
internal static class Hex
{
    /// <summary>Each byte value's two lowercase digits, in order (512 bytes): one 2-byte load and store per byte.</summary>
    private static ReadOnlySpan<byte> Pairs => "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"u8;

    /// <summary>Each byte of <paramref name="bytes"/> as two lowercase hex digits into <paramref name="utf8"/> (twice as long).
    /// One table read per byte with no bounds checks (a byte indexes 256 pairs; the length is checked once): a digit
    /// table read twice per byte, with its checks, showed at ~0.2 µs per verification in a profile under load.</summary>
    public static void EncodeLower(ReadOnlySpan<byte> bytes, Span<byte> utf8)
    {
        if (utf8.Length < bytes.Length * 2)
        {
            ThrowTooShort();
        }
        ref byte pairs = ref MemoryMarshal.GetReference(Pairs);
        ref byte source = ref MemoryMarshal.GetReference(bytes);
        ref byte destination = ref MemoryMarshal.GetReference(utf8);
        for (int i = 0; i < bytes.Length; i++)
        {
            ushort pair = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, Unsafe.Add(ref source, i) * 2));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 2 * i), pair);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowTooShort() => throw new ArgumentException("The hex output must be twice the input's length.");

    /// <summary>True when <paramref name="hex"/> is exactly twice <paramref name="bytes"/>' length of hex digits (either
    /// case); they are decoded into <paramref name="bytes"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<char> hex, Span<byte> bytes)
    {
        if (hex.Length != bytes.Length * 2)
        {
            return false;
        }
        // The lengths are checked above: the loop reads and writes through references, without a check per character.
        ref char source = ref MemoryMarshal.GetReference(hex);
        ref byte destination = ref MemoryMarshal.GetReference(bytes);
        int bad = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            int high = Value(Unsafe.Add(ref source, 2 * i));
            int low = Value(Unsafe.Add(ref source, 2 * i + 1));
            bad |= high | low;
            Unsafe.Add(ref destination, i) = (byte)((high << 4) | low);
        }
        return bad >= 0;
    }

    /// <summary>True when every character of <paramref name="text"/> is a hex digit (either case).</summary>
    public static bool IsHex(ReadOnlySpan<char> text)
    {
        int bad = 0;
        foreach (char c in text)
        {
            bad |= Value(c);
        }
        return bad >= 0;
    }

    /// <summary>The digit's value, or -1. Inlined: a call per character cost as much as the table lookup.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Value(char c)
    {
        if (c > 'f')
        {
            return -1;
        }
        return Unsafe.Add(ref MemoryMarshal.GetReference(Values), c); // c ≤ 'f': inside the 103 entries
    }

    private static ReadOnlySpan<sbyte> Values =>
    [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
        -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, 10, 11, 12, 13, 14, 15,
    ];
}
