using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls;

/// <summary>The front door's own refusals, in the shape AWS's URL front end gives them (not the Lambda API's).</summary>
internal static class FunctionUrlAnswers
{
    /// <summary>An id no URL has: 403 <c>{"Message":null}</c> with <c>x-amzn-ErrorType: AccessDeniedException</c>
    /// (LAMBDA.md §9, LocalStack's answer; AWS's own is not recorded), so an id's existence is not revealed.</summary>
    public const string UnknownUrlBody = """{"Message":null}""";

    private static readonly byte[] UnknownUrlBytes = Encoding.UTF8.GetBytes(UnknownUrlBody);

    public static Task WriteUnknownUrlAsync(HttpContext context) => WriteForbiddenAsync(context, UnknownUrlBytes);

    public static Task WriteForbiddenAsync(HttpContext context, string body) => WriteForbiddenAsync(context, Encoding.UTF8.GetBytes(body));

    /// <remarks>Not before a signed body is decided (<see cref="Security.Signing.UnreadBody"/>): a wrong secret must not
    /// learn whether a URL's policy admits its account.</remarks>
    private static async Task WriteForbiddenAsync(HttpContext context, byte[] body)
    {
        if (!await Security.Signing.UnreadBody.DecideAsync(context).ConfigureAwait(false))
        {
            return;
        }
        var response = context.Response;
        response.StatusCode = StatusCodes.Status403Forbidden;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        response.Headers["x-amzn-ErrorType"] = "AccessDeniedException";
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body).ConfigureAwait(false);
    }
}
