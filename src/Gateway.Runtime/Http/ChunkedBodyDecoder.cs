namespace Gateway.Runtime.Http;

/// <summary>
/// Decodes a <c>Transfer-Encoding: chunked</c> body in place: encoded bytes are read from
/// <c>buffer[readPosition..end)</c> and the data they carry is moved down to <c>buffer[writePosition..]</c>.
/// Decoded data never outruns the encoded input (every chunk carries at least its size line), so the
/// write position never passes the read position and the whole body ends up contiguous without a
/// second buffer. The decoder keeps its state between calls, so input may arrive one byte at a time.
/// Every byte handed to <see cref="Decode"/> is consumed unless the body ends first.
/// </summary>
internal struct ChunkedBodyDecoder
{
    private enum State : byte
    {
        SizeFirstDigit,
        SizeDigits,
        SizeExtension,
        SizeLineFeed,
        Data,
        DataCarriageReturn,
        DataLineFeed,
        TrailerLineStart,
        TrailerLine,
        FinalLineFeed,
        Done,
    }

    private readonly long _maxBodyBytes;
    private State _state;
    private long _chunkRemaining;
    private long _decodedBytes;
    private int _lineBytes;
    private int _trailerBytes;
    private bool _inExtension;

    public ChunkedBodyDecoder(long maxBodyBytes)
    {
        _maxBodyBytes = maxBodyBytes;
        _state = State.SizeFirstDigit;
    }

    public readonly long DecodedBytes => _decodedBytes;

    public readonly bool IsDone => _state == State.Done;

    /// <summary>Returns true once the last chunk and its trailers are consumed; <paramref name="readPosition"/>
    /// then points just past the body, and the decoded body is <c>buffer[start..writePosition)</c>.</summary>
    public bool Decode(Span<byte> buffer, ref int readPosition, int end, ref int writePosition)
    {
        while (readPosition < end && _state != State.Done)
        {
            if (_state == State.Data)
            {
                // The only state that moves bulk bytes: one memmove per contiguous run.
                int run = (int)Math.Min(_chunkRemaining, end - readPosition);
                if (readPosition != writePosition)
                {
                    buffer.Slice(readPosition, run).CopyTo(buffer[writePosition..]);
                }

                readPosition += run;
                writePosition += run;
                _chunkRemaining -= run;
                if (_chunkRemaining == 0)
                {
                    _state = State.DataCarriageReturn;
                }

                continue;
            }

            Step(buffer[readPosition]);
            readPosition++;
        }

        return _state == State.Done;
    }

    private void Step(byte b)
    {
        switch (_state)
        {
            case State.SizeFirstDigit:
            case State.SizeDigits:
                int digit = HexValue(b);
                if (digit >= 0)
                {
                    // Checked against the body limit digit by digit: the declared size is refused
                    // before a single data byte is awaited, and the arithmetic can never overflow.
                    _chunkRemaining = (_chunkRemaining << 4) | (uint)digit;
                    if (_decodedBytes + _chunkRemaining > _maxBodyBytes)
                    {
                        RuntimeApiProtocolException.Throw("Chunked body exceeds the maximum body size.");
                    }

                    _state = State.SizeDigits;
                    CountLineByte();
                    return;
                }

                if (_state == State.SizeFirstDigit)
                {
                    RuntimeApiProtocolException.Throw("Malformed chunk size.");
                }

                _state = State.SizeExtension;
                goto case State.SizeExtension;

            case State.SizeExtension:
                // Chunk extensions (";name=value") are allowed and ignored; only their length matters.
                if (b == (byte)'\r')
                {
                    _state = State.SizeLineFeed;
                }
                else if (b == (byte)'\n')
                {
                    EndSizeLine();
                }
                else if (b is (byte)' ' or (byte)'\t' || (_inExtension && b > 0x20 && b != 0x7F))
                {
                    CountLineByte();
                }
                else if (b == (byte)';')
                {
                    _inExtension = true;
                    CountLineByte();
                }
                else
                {
                    RuntimeApiProtocolException.Throw("Malformed chunk size line.");
                }

                return;

            case State.SizeLineFeed:
                Expect(b, (byte)'\n');
                EndSizeLine();
                return;

            case State.DataCarriageReturn:
                if (b == (byte)'\n')
                {
                    StartSizeLine();
                    return;
                }

                Expect(b, (byte)'\r');
                _state = State.DataLineFeed;
                return;

            case State.DataLineFeed:
                Expect(b, (byte)'\n');
                StartSizeLine();
                return;

            case State.TrailerLineStart:
                if (b == (byte)'\r')
                {
                    _state = State.FinalLineFeed;
                    return;
                }

                if (b == (byte)'\n')
                {
                    _state = State.Done;
                    return;
                }

                _state = State.TrailerLine;
                CountTrailerByte();
                return;

            case State.TrailerLine:
                // Trailers are skipped, bounded like a head.
                CountTrailerByte();
                if (b == (byte)'\n')
                {
                    _state = State.TrailerLineStart;
                }

                return;

            case State.FinalLineFeed:
                Expect(b, (byte)'\n');
                _state = State.Done;
                return;
        }
    }

    private void EndSizeLine()
    {
        if (_chunkRemaining == 0)
        {
            _state = State.TrailerLineStart;
            return;
        }

        _decodedBytes += _chunkRemaining;
        _state = State.Data;
    }

    private void StartSizeLine()
    {
        _state = State.SizeFirstDigit;
        _chunkRemaining = 0;
        _lineBytes = 0;
        _inExtension = false;
    }

    private void CountLineByte()
    {
        if (++_lineBytes > HttpLimits.MaxChunkLineBytes)
        {
            RuntimeApiProtocolException.Throw("Chunk size line too long.");
        }
    }

    private void CountTrailerByte()
    {
        if (++_trailerBytes > HttpLimits.MaxHeadBytes)
        {
            RuntimeApiProtocolException.Throw("Chunked trailers too long.");
        }
    }

    private static void Expect(byte actual, byte expected)
    {
        if (actual != expected)
        {
            RuntimeApiProtocolException.Throw("Malformed chunk framing.");
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
