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
    private static ReadOnlySpan<byte> Digits => "0123456789abcdef"u8;

    /// <summary>Each byte of <paramref name="bytes"/> as two lowercase hex digits into <paramref name="utf8"/> (twice as long).
    /// Four bytes at a time in one 64-bit register, without a table: a digit table read twice per byte, with its bounds
    /// checks and its cache lines, was ~0.15 µs per verification (two 32-byte hashes) in a profile under load.</summary>
    public static void EncodeLower(ReadOnlySpan<byte> bytes, Span<byte> utf8)
    {
        if (utf8.Length < bytes.Length * 2)
        {
            ThrowTooShort();
        }
        ref byte source = ref MemoryMarshal.GetReference(bytes);
        ref byte destination = ref MemoryMarshal.GetReference(utf8);
        int i = 0;
        if (BitConverter.IsLittleEndian)
        {
            for (; i + 4 <= bytes.Length; i += 4)
            {
                // Each input byte into its own 16-bit lane, then its high nibble into the lane's first byte (written
                // first) and its low nibble into the second: eight nibbles, one per byte, in output order.
                ulong spread = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, i));
                spread = (spread | (spread << 16)) & 0x0000_FFFF_0000_FFFF;
                spread = (spread | (spread << 8)) & 0x00FF_00FF_00FF_00FF;
                ulong nibbles = ((spread >> 4) & 0x000F_000F_000F_000F) | ((spread & 0x000F_000F_000F_000F) << 8);
                // '0' + n, and 'a' - '0' - 10 (0x27) more where n ≥ 10, which is where n + 6 has its bit 4 set. No byte
                // carries into the next: the largest is 'f'.
                ulong letters = ((nibbles + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 2 * i), nibbles + 0x3030_3030_3030_3030 + letters * 0x27);
            }
        }
        var digits = Digits;
        for (; i < bytes.Length; i++)
        {
            byte b = Unsafe.Add(ref source, i);
            Unsafe.Add(ref destination, 2 * i) = digits[b >> 4];
            Unsafe.Add(ref destination, 2 * i + 1) = digits[b & 0xF];
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
