using System.Diagnostics.CodeAnalysis;

namespace Gateway.Runtime.Http;

/// <summary>
/// The Runtime API answered with bytes that are not the HTTP/1.1 this client speaks (or exceeded a
/// <see cref="HttpLimits"/> bound). Fatal for the connection: the runtime cannot know where the next
/// response starts, so it exits rather than guess.
/// </summary>
internal sealed class RuntimeApiProtocolException : Exception
{
    public RuntimeApiProtocolException(string message) : base(message) { }

    public RuntimeApiProtocolException() { }

    public RuntimeApiProtocolException(string message, Exception innerException) : base(message, innerException) { }

    // Throws live out of line so the parsing loops that call them stay small and inlinable.
    [DoesNotReturn]
    public static void Throw(string message) => throw new RuntimeApiProtocolException(message);
}
