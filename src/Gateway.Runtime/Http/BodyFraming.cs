namespace Gateway.Runtime.Http;

/// <summary>How the end of a response body is found (RFC 9112 §6.3, the cases a client can meet).</summary>
internal enum BodyFraming : byte
{
    /// <summary>No body: 1xx, 204 and 304 responses.</summary>
    None,

    /// <summary><c>Content-Length: N</c> — what the gateway always sends.</summary>
    ContentLength,

    /// <summary><c>Transfer-Encoding: chunked</c>.</summary>
    Chunked,

    /// <summary>Neither header: the body runs until the server closes the connection.</summary>
    UntilClose,
}
