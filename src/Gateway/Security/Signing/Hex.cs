using System.Runtime.CompilerServices;

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

    /// <summary>Each byte of <paramref name="bytes"/> as two lowercase hex digits into <paramref name="utf8"/> (twice as long).</summary>
    public static void EncodeLower(ReadOnlySpan<byte> bytes, Span<byte> utf8)
    {
        var digits = Digits;
        utf8 = utf8[..(bytes.Length * 2)];
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            utf8[2 * i] = digits[b >> 4];
            utf8[2 * i + 1] = digits[b & 0xF];
        }
    }

    /// <summary>True when <paramref name="hex"/> is exactly twice <paramref name="bytes"/>' length of hex digits (either
    /// case); they are decoded into <paramref name="bytes"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<char> hex, Span<byte> bytes)
    {
        if (hex.Length != bytes.Length * 2)
        {
            return false;
        }
        int bad = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            int high = Value(hex[2 * i]);
            int low = Value(hex[2 * i + 1]);
            bad |= high | low;
            bytes[i] = (byte)((high << 4) | low);
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
        return Values[c];
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
