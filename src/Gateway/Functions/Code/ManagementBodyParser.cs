namespace Gateway.Functions.Code;

/// <summary>
/// The synchronous core of <see cref="ManagementBodyReader"/>: a JSON lexer that only knows strings, escapes and
/// brackets. It copies the body into the skeleton, except string values longer than the divert threshold (content
/// dropped, length kept) and the ZipFile value (decoded into a file by a <see cref="Base64FileSink"/>, whatever its
/// length). State survives between <see cref="Feed"/> calls, so a body may be split anywhere, even inside an escape.
/// </summary>
/// <remarks>
/// It does not validate JSON: everything it copies is checked by the endpoint's source-generated deserializer. It
/// refuses only what it must understand to do its job: nesting over 64 (System.Text.Json's own default), brackets
/// that close nothing, a body ending inside a string, and a ZipFile that is not base64.
/// </remarks>
internal sealed class ManagementBodyParser : IDisposable
{
    private const int MaxDepth = 64;

    private enum State : byte { Outside, InString, Escape, Unicode }

    private enum StringKind : byte { Key, Value, Diverted, Zip }

    private enum KnownKey : byte { Other, ZipFile, Code }

    private readonly ManagementBodyLimits _limits;
    private readonly string _spoolDirectory;
    private readonly SkeletonBuffer _skeleton;
    private readonly List<DivertedString> _diverted = [];

    // Bit d-1 is set when the container at depth d is an object (depth 1 is the top-level value).
    private ulong _objectBits;
    private int _depth;
    // 2 while inside the "Code" object of the top-level object (PublishLayerVersion's "Content": the limits name it), else 0.
    private int _codeDepth;
    private bool _expectKey;
    private KnownKey _lastKey;

    private State _state;
    private StringKind _kind;
    private bool _divertedKey;
    private int _contentStart;
    private long _stringLength;
    private int _unicodeDigits;
    private int _unicodeValue;

    private Base64FileSink? _sink;
    private ZipFileLocation _sinkLocation;
    private UploadedZip? _zip;
    private ZipFileLocation _zipLocation;
    private int _peak;
    private bool _handedOver;

    public ManagementBodyParser(ManagementBodyLimits limits, string spoolDirectory)
    {
        _limits = limits;
        _spoolDirectory = spoolDirectory;
        _skeleton = new SkeletonBuffer(limits.MaxSkeletonBytes);
        TrackPeak();
    }

    public ManagementBodyError? Error { get; private set; }

    public int PeakBufferedBytes => _peak;

    /// <summary>Parses the next piece of the body. False once <see cref="Error"/> is set (stop feeding).</summary>
    public bool Feed(ReadOnlySpan<byte> data)
    {
        if (Error is not null)
        {
            return false;
        }
        while (!data.IsEmpty)
        {
            switch (_state)
            {
                case State.Outside:
                    if (!OnStructural(data[0]))
                    {
                        return false;
                    }
                    data = data[1..];
                    break;

                case State.InString:
                    int stop = data.IndexOfAny((byte)'"', (byte)'\\');
                    var run = stop < 0 ? data : data[..stop];
                    if (!run.IsEmpty && !OnContent(run))
                    {
                        return false;
                    }
                    if (stop < 0)
                    {
                        data = default;
                        break;
                    }
                    bool ok = data[stop] == (byte)'"' ? EndString() : OnBackslash();
                    if (!ok)
                    {
                        return false;
                    }
                    data = data[(stop + 1)..];
                    break;

                case State.Escape:
                    if (!OnEscape(data[0]))
                    {
                        return false;
                    }
                    data = data[1..];
                    break;

                default:
                    if (!OnUnicodeDigit(data[0]))
                    {
                        return false;
                    }
                    data = data[1..];
                    break;
            }
        }
        TrackPeak();
        return true;
    }

    /// <summary>The body has ended: a string or escape left open is malformed JSON.</summary>
    public void Complete()
    {
        if (Error is null && _state != State.Outside)
        {
            Fail(CodeErrors.Malformed("Unexpected end of the request body inside a string."));
        }
    }

    /// <summary>Records an error found by the caller (e.g. the request limit); releases the spooled zip.</summary>
    public void Fail(ManagementBodyError error)
    {
        Error ??= error;
        DropSink();
        if (_zip is not null)
        {
            ManagementBody.TryDelete(_zip.Path);
            _zip = null;
        }
    }

    /// <summary>Hands the skeleton and the zip to a <see cref="ManagementBody"/>, which then owns them.</summary>
    public ManagementBody ToBody(long bytesRead)
    {
        _handedOver = true;
        DropSink();
        return new ManagementBody(_skeleton, Error is null ? _zip : null, _zipLocation, _diverted, Error, bytesRead, _peak);
    }

    private bool OnStructural(byte b)
    {
        if (!_skeleton.TryAppend(b))
        {
            return FailSkeletonFull();
        }
        switch (b)
        {
            case (byte)'"':
                return StartString();
            case (byte)'{':
            case (byte)'[':
                return Push(isObject: b == (byte)'{');
            case (byte)'}':
            case (byte)']':
                return Pop();
            case (byte)':':
                _expectKey = false;
                return true;
            case (byte)',':
                _expectKey = InObject;
                return true;
            default:
                return true;
        }
    }

    private bool InObject => _depth > 0 && (_objectBits & (1UL << (_depth - 1))) != 0;

    /// <summary>True when the next value is the value of the member just named (not a key, not an array item).</summary>
    private bool AtMemberValue => InObject && !_expectKey;

    private bool Push(bool isObject)
    {
        if (_depth == MaxDepth)
        {
            return Failed(CodeErrors.Malformed($"The request body nests deeper than {MaxDepth} levels."));
        }
        bool opensCode = isObject && _depth == 1 && AtMemberValue && _lastKey == KnownKey.Code;
        _depth++;
        _objectBits = isObject ? _objectBits | (1UL << (_depth - 1)) : _objectBits & ~(1UL << (_depth - 1));
        if (opensCode)
        {
            _codeDepth = _depth;
        }
        _expectKey = isObject;
        _lastKey = KnownKey.Other;
        return true;
    }

    private bool Pop()
    {
        if (_depth == 0)
        {
            return Failed(CodeErrors.Malformed("The request body closes a bracket it never opened."));
        }
        if (_depth == _codeDepth)
        {
            _codeDepth = 0;
        }
        _depth--;
        _expectKey = false;
        _lastKey = KnownKey.Other;
        return true;
    }

    private bool StartString()
    {
        _state = State.InString;
        _stringLength = 0;
        _contentStart = _skeleton.Length;
        _divertedKey = false;
        if (InObject && _expectKey)
        {
            _kind = StringKind.Key;
            return true;
        }
        bool isZip = AtMemberValue && _lastKey == KnownKey.ZipFile && (_depth == 1 || _depth == _codeDepth);
        if (!isZip)
        {
            _kind = StringKind.Value;
            return true;
        }
        _kind = StringKind.Zip;
        _sinkLocation = _depth == 1 ? ZipFileLocation.TopLevel : ZipFileLocation.Code;
        _sink = Base64FileSink.Create(_spoolDirectory, _limits.MaxZippedBytes);
        TrackPeak();
        return _skeleton.TryAppend(ManagementBody.ZipFilePlaceholderUtf8) || FailSkeletonFull();
    }

    /// <summary>A run of string content with no quote or backslash in it.</summary>
    private bool OnContent(ReadOnlySpan<byte> run)
    {
        _stringLength += run.Length;
        return _kind switch
        {
            StringKind.Zip => OnSinkStatus(_sink!.Append(run)),
            StringKind.Diverted => true,
            _ => CopyContent(run),
        };
    }

    /// <summary>Copies key or value bytes into the skeleton until the string proves too long, then diverts it.</summary>
    private bool CopyContent(ReadOnlySpan<byte> bytes)
    {
        if (_stringLength > _limits.DivertThreshold)
        {
            _divertedKey = _kind == StringKind.Key;
            _kind = StringKind.Diverted;
            _skeleton.Truncate(_contentStart);
            return true;
        }
        return _skeleton.TryAppend(bytes) || FailSkeletonFull();
    }

    private bool OnBackslash()
    {
        _state = State.Escape;
        return true;
    }

    private bool OnEscape(byte c)
    {
        _state = c == (byte)'u' ? State.Unicode : State.InString;
        _unicodeDigits = 0;
        _unicodeValue = 0;
        switch (_kind)
        {
            case StringKind.Zip:
                _stringLength += 2;
                // Of JSON's short escapes only "\/" can be base64; the others are legal JSON but not base64.
                return c switch
                {
                    (byte)'/' => OnSinkStatus(_sink!.Append((byte)'/')),
                    (byte)'u' => true,
                    (byte)'"' or (byte)'\\' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t' => OnSinkStatus(Base64SinkStatus.Invalid),
                    _ => Failed(CodeErrors.Malformed("Invalid escape in a JSON string.")),
                };
            case StringKind.Diverted:
                _stringLength += 2;
                return true;
            default:
                return CopyEscaped((byte)'\\', c);
        }
    }

    private bool CopyEscaped(byte a, byte b)
    {
        _stringLength += 2;
        ReadOnlySpan<byte> pair = [a, b];
        return CopyContent(pair);
    }

    private bool OnUnicodeDigit(byte h)
    {
        int digit = h switch
        {
            >= (byte)'0' and <= (byte)'9' => h - '0',
            >= (byte)'a' and <= (byte)'f' => h - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => h - 'A' + 10,
            _ => -1,
        };
        if (digit < 0)
        {
            return Failed(CodeErrors.Malformed("Invalid \\u escape in a JSON string."));
        }
        _unicodeValue = (_unicodeValue << 4) | digit;
        if (++_unicodeDigits == 4)
        {
            _state = State.InString;
        }
        _stringLength++;
        switch (_kind)
        {
            case StringKind.Zip:
                if (_unicodeDigits < 4)
                {
                    return true;
                }
                // "\u0041" is "A": legal, if odd, base64; anything beyond ASCII is not base64.
                return _unicodeValue < 0x80
                    ? OnSinkStatus(_sink!.Append((byte)_unicodeValue))
                    : OnSinkStatus(Base64SinkStatus.Invalid);
            case StringKind.Diverted:
                return true;
            default:
                return CopyContent([h]);
        }
    }

    private bool EndString()
    {
        _state = State.Outside;
        switch (_kind)
        {
            case StringKind.Key:
                _lastKey = Recognize(_skeleton.Slice(_contentStart));
                break;
            case StringKind.Diverted:
                string placeholder = ManagementBody.DivertedPlaceholderPrefix + _diverted.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + ">";
                _diverted.Add(new DivertedString(placeholder, _stringLength));
                if (!_skeleton.TryAppend(System.Text.Encoding.ASCII.GetBytes(placeholder)))
                {
                    return FailSkeletonFull();
                }
                if (_divertedKey)
                {
                    _lastKey = KnownKey.Other;
                }
                break;
            case StringKind.Zip:
                var status = _sink!.Complete(out var zip);
                if (status != Base64SinkStatus.Ok)
                {
                    return OnSinkStatus(status);
                }
                _sink.Dispose();
                _sink = null;
                // A repeated member: the last one wins, as in System.Text.Json.
                if (_zip is not null)
                {
                    ManagementBody.TryDelete(_zip.Path);
                }
                _zip = zip;
                _zipLocation = _sinkLocation;
                break;
        }
        return _skeleton.TryAppend((byte)'"') || FailSkeletonFull();
    }

    /// <summary>Names a key as the deserializer will read it: "Zip\u0046ile" is ZipFile too (escaped keys are rare and
    /// short, so decoding them allocates only then). Exact case, as AWS's member names are.</summary>
    private KnownKey Recognize(ReadOnlySpan<byte> raw)
    {
        var container = _limits.ZipContainer;
        if (raw.IndexOf((byte)'\\') >= 0)
        {
            Span<byte> quoted = raw.Length + 2 <= 256 ? stackalloc byte[raw.Length + 2] : new byte[raw.Length + 2];
            quoted[0] = (byte)'"';
            raw.CopyTo(quoted[1..]);
            quoted[^1] = (byte)'"';
            var reader = new System.Text.Json.Utf8JsonReader(quoted);
            try
            {
                reader.Read();
                string key = reader.GetString()!;
                return key == "ZipFile" ? KnownKey.ZipFile : key == container ? KnownKey.Code : KnownKey.Other;
            }
            catch (System.Text.Json.JsonException)
            {
                return KnownKey.Other; // the deserializer will refuse the body anyway
            }
            catch (InvalidOperationException)
            {
                return KnownKey.Other;
            }
        }
        return raw.SequenceEqual("ZipFile"u8) ? KnownKey.ZipFile : IsAscii(raw, container) ? KnownKey.Code : KnownKey.Other;
    }

    /// <summary>Whether the unescaped key bytes spell <paramref name="name"/> (an ASCII member name).</summary>
    private static bool IsAscii(ReadOnlySpan<byte> raw, string name)
    {
        if (raw.Length != name.Length)
        {
            return false;
        }
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != name[i])
            {
                return false;
            }
        }
        return true;
    }

    private bool OnSinkStatus(Base64SinkStatus status) => status switch
    {
        Base64SinkStatus.Ok => true,
        Base64SinkStatus.TooLarge => Failed(CodeErrors.ZippedTooLarge(_limits.MaxZippedBytes)),
        _ => Failed(CodeErrors.Malformed("ZipFile is not valid base64.")),
    };

    private bool FailSkeletonFull() => Failed(CodeErrors.RequestTooLarge(_limits.MaxRequestBytes, _limits.Operation));

    private bool Failed(ManagementBodyError error)
    {
        Fail(error);
        return false;
    }

    private void DropSink()
    {
        if (_sink is null)
        {
            return;
        }
        _sink.Dispose();
        ManagementBody.TryDelete(_sink.Path);
        _sink = null;
    }

    private void TrackPeak()
    {
        int held = _skeleton.Capacity + (_sink is null ? 0 : Base64FileSink.BufferedBytes);
        if (held > _peak)
        {
            _peak = held;
        }
    }

    /// <summary>Only for a parser whose body was never built (an exception while reading).</summary>
    public void Dispose()
    {
        if (_handedOver)
        {
            return;
        }
        DropSink();
        if (_zip is not null)
        {
            ManagementBody.TryDelete(_zip.Path);
        }
        _skeleton.Dispose();
    }
}
