using System.Text;

namespace Gateway.Security.Signing;

/// <summary>
/// What an <c>Authorization</c> header's constant part implies, worked out once. A client signs every request with
/// the same <c>AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request, SignedHeaders=a;b, Signature=</c>
/// (it changes once a day, with the scope's date) followed by 64 hex digits that change per request. Everything
/// before <c>Signature=</c> — the parsed credential and its scope, the signed-header list and the header names to look
/// up, the access key's credential, the derived signing key, the string to sign's scope line — is the same for every
/// such request, so it is kept here and a request whose header is <see cref="Text"/> + 64 hex digits skips parsing it.
/// <para>
/// Why this is exact: an entry is made only after the full parse of a header that ends in its signature (the
/// signature parameter last, nothing after it), and only when the scope's region, service and terminator are right for
/// <see cref="Service"/>, the scope date has eight characters and the key id is known: the checks that can refuse on the
/// prefix alone all passed. Another header equal to <see cref="Text"/> followed by 64 hex digits (no comma, no space)
/// parses to the very same parts with only the signature changed, so it gets the same answers. Everything that depends
/// on the request itself — the X-Amz-Date (present, well formed, its day equal to the scope's, within the clock-skew
/// window), the security token, the signature, the payload hash — is still checked on every request
/// (<see cref="SigV4Verifier.Begin"/>).
/// </para>
/// </summary>
internal sealed class SignaturePrefix
{
    private SignaturePrefix(string text, string endpointService, SigningCredential credential, SigningKey key, string credentialText, string signedHeaders)
    {
        Text = text;
        Service = endpointService;
        Credential = credential;
        Key = key;
        CredentialText = credentialText;
        int keyEnd = credentialText.IndexOf('/');
        Scope = credentialText[(keyEnd + 1)..];
        var parts = Scope.Split('/');
        ScopeDate = parts[0];
        Region = parts[1];
        ScopeService = parts[2];
        Terminator = parts[3];
        SignedHeaders = signedHeaders;
        StringToSignScope = Encoding.UTF8.GetBytes("\n" + Scope + "\n");
        SignedHeadersLine = Encoding.UTF8.GetBytes("\n" + signedHeaders + "\n");
        var names = signedHeaders.Split(';');
        LookupNames = new string[names.Length];
        HeaderLines = new byte[names.Length][];
        AmzDateIndex = -1;
        for (int i = 0; i < names.Length; i++)
        {
            LookupNames[i] = SignedHeaderNames.Of(names[i]);
            HeaderLines[i] = Encoding.UTF8.GetBytes(names[i] + ":");
            if (names[i] == "x-amz-date")
            {
                AmzDateIndex = i;
            }
        }
    }

    /// <summary>The trimmed header up to and including <c>Signature=</c>.</summary>
    public string Text { get; }

    /// <summary>The signing name of the endpoint the scope was checked against (<c>lambda</c> or <c>logs</c>).</summary>
    public string Service { get; }

    public SigningCredential Credential { get; }

    /// <summary>The signing key of <see cref="Credential"/>'s secret for this scope's date, region and service.</summary>
    public SigningKey Key { get; }

    /// <summary><c>AKID/yyyymmdd/region/service/aws4_request</c>.</summary>
    public string CredentialText { get; }

    public string Scope { get; }
    public string ScopeDate { get; }
    public string Region { get; }
    public string ScopeService { get; }
    public string Terminator { get; }
    public string SignedHeaders { get; }

    /// <summary><c>\n scope \n</c>: the string to sign's third line, with the newlines around it.</summary>
    public byte[] StringToSignScope { get; }

    /// <summary><c>\n signed;headers \n</c>: the canonical request's blank line and signed-headers line.</summary>
    public byte[] SignedHeadersLine { get; }

    /// <summary>Each signed header's name as the request's headers are looked up with (<see cref="SignedHeaderNames"/>).</summary>
    public string[] LookupNames { get; }

    /// <summary>Each signed header's canonical line start, <c>name:</c>, in UTF-8.</summary>
    public byte[][] HeaderLines { get; }

    /// <summary>Where <c>x-amz-date</c> is in the signed headers (its value was already read), or -1.</summary>
    public int AmzDateIndex { get; }

    /// <summary>True when <paramref name="value"/> (the trimmed header) is this prefix followed by exactly 64 hex digits;
    /// they are decoded into <paramref name="signature"/> in the same pass (the verifier needs them decoded anyway, and
    /// a check then a decode walked the 64 characters twice).</summary>
    public bool Matches(ReadOnlySpan<char> value, string endpointService, Span<byte> signature)
        => value.Length == Text.Length + 64
           && string.Equals(endpointService, Service, StringComparison.Ordinal)
           && value.StartsWith(Text, StringComparison.Ordinal)
           && Hex.TryDecode(value[Text.Length..], signature);

    /// <summary>An entry for a header that was parsed in full and passed every check the prefix alone decides; null
    /// when the header's shape does not allow one (its signature not last, not 64 hex digits).</summary>
    public static SignaturePrefix? TryCreate(ReadOnlySpan<char> value, ReadOnlySpan<char> signature, ReadOnlySpan<char> credential,
        ReadOnlySpan<char> signedHeaders, string endpointService, SigningCredential key, SigningKey signingKey)
    {
        if (signature.Length != 64 || !Hex.IsHex(signature) || !value.Overlaps(signature, out int offset) || offset + signature.Length != value.Length)
        {
            return null;
        }
        return new SignaturePrefix(value[..offset].ToString(), endpointService, key, signingKey, credential.ToString(), signedHeaders.ToString());
    }
}

/// <summary>
/// A few <see cref="SignaturePrefix"/> entries of one verifier (one credentials file: the gateway reads it at start and
/// never again, so an entry can never outlive the credentials it was made from). A handful of clients, two services
/// and the day boundary fit; more are replaced in turn. Lock-free: entries are immutable, published whole with a
/// volatile write, and a lookup reads each slot once and compares; two threads adding at once only cost one entry.
/// </summary>
internal sealed class SignaturePrefixCache
{
    public const int Capacity = 8;

    private readonly SignaturePrefix?[] _slots = new SignaturePrefix?[Capacity];
    private int _next;

    /// <summary>The entry <paramref name="value"/> starts with, its 64-digit signature decoded into
    /// <paramref name="signature"/> (32 bytes); null when none (<paramref name="signature"/> then holds nothing meant).</summary>
    public SignaturePrefix? Find(ReadOnlySpan<char> value, string endpointService, Span<byte> signature)
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            var entry = Volatile.Read(ref slots[i]);
            if (entry is null)
            {
                return null; // slots fill in order and are never emptied
            }
            if (entry.Matches(value, endpointService, signature))
            {
                return entry;
            }
        }
        return null;
    }

    public void Add(SignaturePrefix entry)
    {
        int slot = (Interlocked.Increment(ref _next) - 1 & int.MaxValue) % _slots.Length;
        Volatile.Write(ref _slots[slot], entry);
    }

    /// <summary>For the tests: the entries held now.</summary>
    public int Count => _slots.Count(s => s is not null);
}
