using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace Gateway.Functions.Code;

internal enum Base64SinkStatus
{
    Ok,
    /// <summary>A character outside the base64 alphabet, or padding that is not at the end.</summary>
    Invalid,
    /// <summary>More decoded bytes than the cap; the sink stopped before writing them.</summary>
    TooLarge,
}

/// <summary>
/// Decodes base64 handed over in arbitrary pieces (a character, a run, any split) into a file, hashing and counting
/// the decoded bytes as they go. Holds two fixed buffers and never more: the upload's size only reaches the disk.
/// </summary>
/// <remarks>
/// The alphabet is checked here, strictly (no whitespace, padding only at the end and required), as
/// System.Text.Json's byte[] reader would check it, because <see cref="Base64.DecodeFromUtf8"/> skips whitespace since
/// .NET 8; it also keeps the carry between pieces under one block. SDKs never send anything else; how AWS treats
/// whitespace or missing padding is not known. Writes are synchronous: the caller parses spans, which cannot cross an
/// await, and a 24 KB write lands in the page cache.
/// </remarks>
internal sealed class Base64FileSink : IDisposable
{
    /// <summary>Base64 characters staged before a decode (a multiple of 4, so whole blocks decode).</summary>
    public const int InputBufferSize = 32 * 1024;
    private const int OutputBufferSize = InputBufferSize / 4 * 3;

    private static readonly SearchValues<byte> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="u8);

    private readonly byte[] _input = ArrayPool<byte>.Shared.Rent(InputBufferSize);
    private readonly byte[] _output = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly FileStream _file;
    private readonly long _maxBytes;
    private int _staged;
    private int _padding;
    private long _written;
    private bool _disposed;

    private Base64FileSink(string path, FileStream file, long maxBytes)
    {
        Path = path;
        _file = file;
        _maxBytes = maxBytes;
    }

    /// <summary>A sink writing to a new, uniquely named file in <paramref name="directory"/> (created if missing).</summary>
    public static Base64FileSink Create(string directory, long maxBytes)
    {
        Directory.CreateDirectory(directory);
        string path = System.IO.Path.Combine(directory, "upload-" + Guid.NewGuid().ToString("N") + ".zip");
        // bufferSize 0: the sink's output buffer is the only buffer.
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        return new Base64FileSink(path, file, maxBytes);
    }

    public string Path { get; }

    /// <summary>Decoded bytes written so far.</summary>
    public long Written => _written;

    /// <summary>What this sink holds in memory (both buffers, whatever they contain).</summary>
    public static int BufferedBytes => InputBufferSize + OutputBufferSize;

    public Base64SinkStatus Append(ReadOnlySpan<byte> chars)
    {
        if (chars.IndexOfAnyExcept(Alphabet) >= 0)
        {
            return Base64SinkStatus.Invalid;
        }
        while (!chars.IsEmpty)
        {
            int n = Math.Min(chars.Length, InputBufferSize - _staged);
            var piece = chars[..n];
            if (!TrackPadding(piece))
            {
                return Base64SinkStatus.Invalid;
            }
            piece.CopyTo(_input.AsSpan(_staged));
            _staged += n;
            chars = chars[n..];
            if (_staged == InputBufferSize)
            {
                var status = Decode(isFinalBlock: false);
                if (status != Base64SinkStatus.Ok)
                {
                    return status;
                }
            }
        }
        // The cap is checked on what is staged too, not only on what is decoded: a zip over its cap is refused as soon
        // as the characters that carry it have arrived (before the request cap, which AWS checks after it).
        return DecodedLength > _maxBytes ? Base64SinkStatus.TooLarge : Base64SinkStatus.Ok;
    }

    /// <summary>Bytes the characters seen so far decode to (n base64 characters carry floor(3n/4) bytes).</summary>
    public long DecodedLength => _written + (long)(_staged - _padding) * 3 / 4;

    public Base64SinkStatus Append(byte c) => Append([c]);

    /// <summary>Decodes what is staged as the end of the data and closes the file.</summary>
    public Base64SinkStatus Complete(out UploadedZip? zip)
    {
        zip = null;
        // Padding is required (RFC 4648 3.2), as System.Text.Json's own byte[] reader requires it: "QQ" is refused.
        if (_staged % 4 != 0)
        {
            return Base64SinkStatus.Invalid;
        }
        var status = Decode(isFinalBlock: true);
        if (status != Base64SinkStatus.Ok)
        {
            return status;
        }
        _file.Flush();
        _file.Dispose();
        zip = new UploadedZip(Path, _written, _hash.GetHashAndReset());
        return Base64SinkStatus.Ok;
    }

    /// <summary>Padding is one or two '=' at the very end: once one is seen, only '=' may follow.</summary>
    private bool TrackPadding(ReadOnlySpan<byte> piece)
    {
        if (_padding > 0)
        {
            if (piece.IndexOfAnyExcept((byte)'=') >= 0)
            {
                return false;
            }
            _padding += piece.Length;
            return _padding <= 2;
        }
        int first = piece.IndexOf((byte)'=');
        if (first < 0)
        {
            return true;
        }
        var rest = piece[first..];
        if (rest.IndexOfAnyExcept((byte)'=') >= 0)
        {
            return false;
        }
        _padding = rest.Length;
        return _padding <= 2;
    }

    private Base64SinkStatus Decode(bool isFinalBlock)
    {
        // The block holding padding waits for Complete: only the final block may carry it.
        int length = isFinalBlock ? _staged : (_staged - _padding) & ~3;
        if (length == 0)
        {
            return Base64SinkStatus.Ok;
        }
        var status = Base64.DecodeFromUtf8(_input.AsSpan(0, length), _output, out int consumed, out int written, isFinalBlock);
        if (status != OperationStatus.Done || consumed != length)
        {
            return Base64SinkStatus.Invalid;
        }
        if (_written + written > _maxBytes)
        {
            return Base64SinkStatus.TooLarge;
        }
        _hash.AppendData(_output, 0, written);
        _file.Write(_output, 0, written);
        _written += written;
        int carry = _staged - consumed;
        _input.AsSpan(consumed, carry).CopyTo(_input);
        _staged = carry;
        return Base64SinkStatus.Ok;
    }

    /// <summary>Releases the buffers and closes the file; the file itself stays (its owner deletes it).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _file.Dispose();
        _hash.Dispose();
        ArrayPool<byte>.Shared.Return(_input);
        ArrayPool<byte>.Shared.Return(_output);
    }
}
