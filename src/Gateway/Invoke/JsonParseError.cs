using System.Buffers;
using System.Globalization;
using System.Text;

namespace Gateway.Invoke;

/// <summary>
/// The message of Lambda's InvalidRequestContentException for a payload that is not JSON, in the words of the parser
/// AWS uses (Jackson), found by walking the refused payload once more. Runs only for a refused payload (the hot path
/// only learns <em>that</em> it is not JSON, from <see cref="JsonPayloadValidator"/>).
/// </summary>
/// <remarks>
/// <para>Recorded against AWS (LAMBDA.md §1.5; localstack's recorded snapshots, 2025-11-24), verbatim:
/// <c>Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 start byte 0x87\n at
/// [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 3]</c> and
/// <c>… Unexpected character ((CTRL-CHAR, code 153)): expected a valid value (JSON String, Number, Array, Object or token
/// 'null', 'true' or 'false')\n at [Source: REDACTED (…); line: 1, column: 1]</c>; a 2023 record (podaac/hydrocron#64)
/// has <c>Unexpected character ('"' (code 34)): was expecting comma to separate Object entries</c>.</para>
/// <para>Inferred from Jackson 2.16+ (the version whose location reads "REDACTED (`StreamReadFeature…` disabled)"),
/// not seen from AWS: the other sentences below ("Unrecognized token 'abc': was expecting (…)", "was expecting
/// double-quote to start field name", "Unexpected end-of-input: expected close marker for Object (start marker at
/// …)", the number, escape and nesting-depth ones) and the columns: Jackson counts bytes from 1 on each line; it points
/// at an unexpected character itself, and just past what it consumed for a bad token, a bad UTF-8 byte and the end of
/// input. The sentence for content after the root value is this gateway's own: Jackson as Lambda seems to use it
/// ignores trailing content, which Gateway refuses (see <see cref="JsonPayloadValidator"/>).</para>
/// </remarks>
internal static class JsonParseError
{
    public const string Prefix = "Could not parse request body into json: Could not parse payload into json: ";
    private const string Source = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: ";
    private const string ValidValues = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
    private const int MaxTokenLength = 256; // Jackson's MAX_ERROR_TOKEN_LENGTH

    /// <summary>The whole message for <paramref name="payload"/>, known not to be JSON.</summary>
    public static string Describe(ReadOnlySpan<byte> payload)
    {
        var walker = new Walker(payload);
        return Prefix + (walker.FindError() ?? "Unexpected content\n at " + walker.Location(payload.Length));
    }

    private ref struct Walker(ReadOnlySpan<byte> input)
    {
        private readonly ReadOnlySpan<byte> _input = input;
        private int _pos;
        private int _line = 1;
        private int _rowStart;

        public readonly string Location(int pointer) => Source + _line.ToString(CultureInfo.InvariantCulture) + ", column: "
            + (pointer - _rowStart + 1).ToString(CultureInfo.InvariantCulture) + "]";

        private readonly string At(string message, int pointer) => message + "\n at " + Location(pointer);

        public string? FindError()
        {
            // Containers still open: true = object. Their start positions, for the end-of-input message.
            var open = new List<(bool IsObject, int Line, int Column)>();
            bool expectValue = true;  // else: after a value
            bool afterComma = false;
            while (true)
            {
                SkipWhitespace();
                bool end = _pos >= _input.Length;
                byte c = end ? (byte)0 : _input[_pos];
                if (open.Count == 0 && !expectValue)
                {
                    // After the root value.
                    return end ? null : At($"Unexpected character ({CharDesc(c)}): expected end-of-input after the root-level value", _pos);
                }
                if (end)
                {
                    if (open.Count == 0)
                    {
                        return null; // nothing but whitespace: an empty payload
                    }
                    var (isObject, line, column) = open[^1];
                    return At($"Unexpected end-of-input: expected close marker for {(isObject ? "Object" : "Array")} (start marker at {Source}{line}, column: {column}])", _pos);
                }
                bool inObject = open.Count > 0 && open[^1].IsObject;
                if (!expectValue)
                {
                    // After a value inside a container: ',' or the closer.
                    if (c == (inObject ? (byte)'}' : (byte)']'))
                    {
                        _pos++;
                        open.RemoveAt(open.Count - 1);
                        expectValue = false;
                        continue;
                    }
                    if (c != ',')
                    {
                        return At($"Unexpected character ({CharDesc(c)}): was expecting comma to separate {(inObject ? "Object" : "Array")} entries", _pos);
                    }
                    _pos++;
                    expectValue = true;
                    afterComma = true;
                    if (inObject && NameAndColon() is { } nameError)
                    {
                        return nameError;
                    }
                    continue;
                }
                // A value is expected.
                if (c == ']' && open.Count > 0 && !inObject && !afterComma)
                {
                    _pos++; // an empty array
                    open.RemoveAt(open.Count - 1);
                    expectValue = false;
                    continue;
                }
                afterComma = false;
                switch (c)
                {
                    case (byte)'{':
                        if (open.Count == JsonPayloadValidator.MaxDepth)
                        {
                            return DepthError();
                        }
                        open.Add((true, _line, _pos - _rowStart + 1));
                        _pos++;
                        SkipWhitespace();
                        if (_pos < _input.Length && _input[_pos] == '}')
                        {
                            _pos++;
                            open.RemoveAt(open.Count - 1);
                            expectValue = false;
                            continue;
                        }
                        if (_pos >= _input.Length)
                        {
                            continue; // end of input inside the object: reported above
                        }
                        if (NameAndColon() is { } nameError)
                        {
                            return nameError;
                        }
                        continue;
                    case (byte)'[':
                        if (open.Count == JsonPayloadValidator.MaxDepth)
                        {
                            return DepthError();
                        }
                        open.Add((false, _line, _pos - _rowStart + 1));
                        _pos++;
                        continue;
                    case (byte)'"':
                        _pos++;
                        if (String("string value") is { } stringError)
                        {
                            return stringError;
                        }
                        break;
                    case (byte)'-' or (>= (byte)'0' and <= (byte)'9'):
                        if (Number(open.Count == 0) is { } numberError)
                        {
                            return numberError;
                        }
                        break;
                    case (byte)'t':
                        if (Literal("true") is { } trueError)
                        {
                            return trueError;
                        }
                        break;
                    case (byte)'f':
                        if (Literal("false") is { } falseError)
                        {
                            return falseError;
                        }
                        break;
                    case (byte)'n':
                        if (Literal("null") is { } nullError)
                        {
                            return nullError;
                        }
                        break;
                    default:
                        return UnexpectedValueStart(c, open.Count > 0 && !inObject);
                }
                expectValue = false;
            }
        }

        private readonly string DepthError()
            => At($"Document nesting depth ({JsonPayloadValidator.MaxDepth + 1}) exceeds the maximum allowed ({JsonPayloadValidator.MaxDepth}, from `StreamReadConstraints.getMaxNestingDepth()`)", _pos);

        /// <summary>A field name and its colon, at <see cref="_pos"/> (whitespace before it not yet skipped).</summary>
        private string? NameAndColon()
        {
            SkipWhitespace();
            if (_pos >= _input.Length)
            {
                return null; // end of input: reported by the caller's loop
            }
            byte c = _input[_pos];
            if (c != '"')
            {
                return At($"Unexpected character ({CharDesc(c)}): was expecting double-quote to start field name", _pos);
            }
            _pos++;
            if (String("name") is { } error)
            {
                return error;
            }
            SkipWhitespace();
            if (_pos >= _input.Length)
            {
                return At("Unexpected end-of-input within/between Object entries", _pos);
            }
            if (_input[_pos] != ':')
            {
                return At($"Unexpected character ({CharDesc(_input[_pos])}): was expecting a colon to separate field name and value", _pos);
            }
            _pos++;
            return null;
        }

        /// <summary>The rest of a string whose opening quote is consumed.</summary>
        private string? String(string what)
        {
            while (_pos < _input.Length)
            {
                byte c = _input[_pos];
                if (c == '"')
                {
                    _pos++;
                    return null;
                }
                if (c < 0x20)
                {
                    return At($"Illegal unquoted character ({CharDesc(c)}): has to be escaped using backslash to be included in {what}", _pos);
                }
                if (c == '\\')
                {
                    _pos++;
                    if (_pos >= _input.Length)
                    {
                        break;
                    }
                    byte e = _input[_pos++];
                    if (e == 'u')
                    {
                        for (int i = 0; i < 4; i++, _pos++)
                        {
                            if (_pos >= _input.Length)
                            {
                                return At("Unexpected end-of-input in character escape sequence", _pos);
                            }
                            if (!char.IsAsciiHexDigit((char)_input[_pos]))
                            {
                                return At($"Unexpected character ({CharDesc(_input[_pos])}): expected a hex-digit for character escape sequence", _pos);
                            }
                        }
                    }
                    else if (e is not ((byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t'))
                    {
                        return At($"Unrecognized character escape {CharDesc(e)}", _pos);
                    }
                    continue;
                }
                if (c >= 0x80)
                {
                    if (Utf8Error() is { } utf8Error)
                    {
                        return utf8Error;
                    }
                    continue;
                }
                _pos++;
            }
            return At(what == "name" ? "Unexpected end-of-input in field name" : "Unexpected end-of-input: was expecting closing quote for a string value", _pos);
        }

        /// <summary>Decodes the UTF-8 sequence at <see cref="_pos"/> and moves past it, or describes why it is not one
        /// (Jackson's words: the start byte, or the first bad continuation byte).</summary>
        private string? Utf8Error()
        {
            var status = Rune.DecodeFromUtf8(_input[_pos..], out _, out int used);
            if (status == OperationStatus.Done)
            {
                _pos += used;
                return null;
            }
            byte first = _input[_pos];
            if (first is < 0xC2 or > 0xF4)
            {
                _pos++;
                return At($"Invalid UTF-8 start byte 0x{first:x2}", _pos);
            }
            if (status == OperationStatus.NeedMoreData)
            {
                _pos = _input.Length;
                return At("Unexpected end-of-input in a UTF-8 sequence", _pos);
            }
            _pos += Math.Max(used, 1);
            byte bad = _pos < _input.Length ? _input[_pos] : first;
            _pos++;
            return At($"Invalid UTF-8 middle byte 0x{bad:x2}", _pos);
        }

        private string? Number(bool atRoot)
        {
            int start = _pos;
            if (_input[_pos] == '-')
            {
                _pos++;
                if (_pos >= _input.Length || !char.IsAsciiDigit((char)_input[_pos]))
                {
                    return _pos >= _input.Length
                        ? At("Unexpected end-of-input in a Number value", _pos)
                        : At($"Unexpected character ({CharDesc(_input[_pos])}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", _pos);
                }
            }
            if (_input[_pos] == '0' && _pos + 1 < _input.Length && char.IsAsciiDigit((char)_input[_pos + 1]))
            {
                return At("Invalid numeric value: Leading zeroes not allowed", _pos + 1);
            }
            SkipDigits();
            if (_pos < _input.Length && _input[_pos] == '.')
            {
                _pos++;
                if (_pos >= _input.Length || !char.IsAsciiDigit((char)_input[_pos]))
                {
                    return _pos >= _input.Length
                        ? At("Unexpected end-of-input in a Number value", _pos)
                        : At($"Unexpected character ({CharDesc(_input[_pos])}) in numeric value: Decimal point not followed by a digit", _pos);
                }
                SkipDigits();
            }
            if (_pos < _input.Length && (_input[_pos] | 0x20) == 'e')
            {
                _pos++;
                if (_pos < _input.Length && _input[_pos] is (byte)'+' or (byte)'-')
                {
                    _pos++;
                }
                if (_pos >= _input.Length || !char.IsAsciiDigit((char)_input[_pos]))
                {
                    return _pos >= _input.Length
                        ? At("Unexpected end-of-input in a Number value", _pos)
                        : At($"Unexpected character ({CharDesc(_input[_pos])}) in numeric value: Exponent indicator not followed by a digit", _pos);
                }
                SkipDigits();
            }
            if (atRoot && _pos < _input.Length && !IsWhitespace(_input[_pos]))
            {
                return At($"Unexpected character ({CharDesc(_input[_pos])}): Expected space separating root-level values", _pos);
            }
            _ = start;
            return null;
        }

        private void SkipDigits()
        {
            while (_pos < _input.Length && char.IsAsciiDigit((char)_input[_pos]))
            {
                _pos++;
            }
        }

        private string? Literal(string word)
        {
            int start = _pos;
            for (int i = 0; i < word.Length; i++)
            {
                if (_pos + i >= _input.Length || _input[_pos + i] != word[i])
                {
                    _pos += i;
                    return InvalidToken(start);
                }
            }
            _pos += word.Length;
            // "truex" is one bad token, as Jackson reads it.
            if (_pos < _input.Length && IsIdentifierPart(_input[_pos]))
            {
                return InvalidToken(start);
            }
            return null;
        }

        private string UnexpectedValueStart(byte c, bool inArray)
        {
            if (c is (byte)'}' or (byte)',' || (c == ']' && inArray))
            {
                return At($"Unexpected character ({CharDesc(c)}): expected a value", _pos);
            }
            if (c is >= 0x80 and <= 0x9F)
            {
                return At($"Unexpected character ({CharDesc(c)}): expected a valid value {ValidValues}", _pos); // recorded
            }
            if (IsIdentifierStart(c))
            {
                return InvalidToken(_pos);
            }
            return At($"Unexpected character ({CharDesc(c)}): expected a valid value {ValidValues}", _pos);
        }

        /// <summary>Jackson's "Unrecognized token": the token from <paramref name="start"/> as far as it looks like an
        /// identifier (decoding UTF-8 as it goes, which is where a bad byte there is reported), plus the character that
        /// ended it.</summary>
        private string InvalidToken(int start)
        {
            var token = new StringBuilder();
            _pos = start;
            while (_pos < _input.Length && token.Length < MaxTokenLength)
            {
                byte b = _input[_pos];
                if (b < 0x80)
                {
                    _pos++;
                    if (!IsIdentifierPart(b))
                    {
                        break;
                    }
                    token.Append((char)b);
                    continue;
                }
                if (Utf8Error() is { } utf8Error)
                {
                    return utf8Error;
                }
                // A decoded non-ASCII character: part of the token if it is a letter or digit (Java's identifier rules, roughly).
                Rune.DecodeLastFromUtf8(_input[..(_pos)], out var rune, out _);
                if (!Rune.IsLetterOrDigit(rune))
                {
                    break;
                }
                token.Append(rune.ToString());
            }
            if (token.Length >= MaxTokenLength)
            {
                token.Append("...");
            }
            return At($"Unrecognized token '{token}': was expecting {ValidValues}", _pos);
        }

        private void SkipWhitespace()
        {
            while (_pos < _input.Length)
            {
                byte c = _input[_pos];
                if (c == '\n' || (c == '\r' && (_pos + 1 >= _input.Length || _input[_pos + 1] != '\n')))
                {
                    _pos++;
                    _line++;
                    _rowStart = _pos;
                }
                else if (c is (byte)' ' or (byte)'\t' or (byte)'\r')
                {
                    _pos++;
                }
                else
                {
                    return;
                }
            }
        }

        private static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

        private static bool IsIdentifierStart(byte c) => char.IsAsciiLetter((char)c) || c is (byte)'_' or (byte)'$' or >= 0xC0;

        private static bool IsIdentifierPart(byte c) => char.IsAsciiLetterOrDigit((char)c) || c is (byte)'_' or (byte)'$';

        /// <summary>Jackson's description of a character: <c>'a' (code 97)</c>, or <c>(CTRL-CHAR, code 10)</c> for an
        /// ISO control character (a byte is taken as Latin-1, as Jackson does where the recorded 0x99 shows).</summary>
        private static string CharDesc(int c) => c < 0x20 || c is >= 0x7F and <= 0x9F
            ? $"(CTRL-CHAR, code {c})"
            : $"'{(char)c}' (code {c})";
    }
}
