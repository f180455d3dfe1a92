namespace Gateway.Runtime.Transport;

/// <summary>How one request/response exchange with the Runtime API ended. Expected transport outcomes
/// are values, not exceptions; only bytes that break the protocol throw.</summary>
internal enum ExchangeStatus : byte
{
    /// <summary>A complete response was read; see <see cref="RuntimeConnection.Head"/> and <see cref="RuntimeConnection.Body"/>.</summary>
    Completed,

    /// <summary>Connecting failed: nothing listens any more (the gateway is gone).</summary>
    Unreachable,

    /// <summary>The connection broke before a complete response arrived (after the one reconnect and
    /// resend a request gets when a reused connection ends without answering).</summary>
    ConnectionLost,
}
