using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Json;

/// <summary>
/// An error answer's JSON body as AWS sends it: quotes, <c>+</c> and the like written as themselves ("Value 'bad
/// name!' … [a-zA-Z0-9-_]+", not <c>\u0027</c>: the body is JSON for API clients, never HTML), and made whole before it
/// is sent, so it goes out with a Content-Length instead of chunked. Shared by Lambda's errors
/// (<see cref="Invoke.LambdaErrors"/>) and SigV4's refusals.
/// </summary>
internal static class ErrorBody
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the object <paramref name="members"/> fills as the response body, with its length.</summary>
    public static Task SendAsync<TState>(HttpResponse response, string contentType, TState state, Action<Utf8JsonWriter, TState> members,
        CancellationToken cancellation = default)
    {
        var body = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(body, WriterOptions))
        {
            writer.WriteStartObject();
            members(writer, state);
            writer.WriteEndObject();
        }
        response.ContentType = contentType;
        response.ContentLength = body.WrittenCount;
        return response.Body.WriteAsync(body.WrittenMemory, cancellation).AsTask();
    }
}
