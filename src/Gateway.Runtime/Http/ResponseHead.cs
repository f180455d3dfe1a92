namespace Gateway.Runtime.Http;

/// <summary>
/// What <see cref="ResponseHeadParser"/> learned from one response head: status, body framing,
/// connection persistence, and where the Runtime API's own headers are (as ranges into the head).
/// </summary>
internal struct ResponseHead
{
    public int StatusCode;

    /// <summary>Bytes from the start of the status line through the blank line.</summary>
    public int HeadLength;

    public BodyFraming Framing;

    /// <summary>Valid when <see cref="Framing"/> is <see cref="BodyFraming.ContentLength"/>.</summary>
    public long ContentLength;

    /// <summary>False when the server said <c>Connection: close</c>, spoke HTTP/1.0 without
    /// keep-alive, or framed the body in a way that ends with the connection.</summary>
    public bool KeepAlive;

    public HeaderRange RequestId;
    public HeaderRange DeadlineMs;
    public HeaderRange InvokedFunctionArn;
    public HeaderRange TraceId;
    public HeaderRange ClientContext;
    public HeaderRange CognitoIdentity;

    public readonly bool IsInterim => StatusCode is >= 100 and < 200;

    public readonly bool IsSuccess => StatusCode is >= 200 and < 300;
}
