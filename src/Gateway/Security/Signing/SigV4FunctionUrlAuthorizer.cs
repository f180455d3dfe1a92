using Gateway.FunctionUrls;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security.Signing;

/// <summary>
/// <c>AuthType: AWS_IAM</c> function URLs under <c>--auth sigv4</c>: the request must be signed for service
/// <c>lambda</c> (AWS: "the signing name is lambda" for function URLs, docs urls-auth.html) by a key of the credentials
/// file. An unsigned request gets AWS's recorded URL refusal (403 AccessDeniedException "Forbidden. …", as
/// <see cref="UnsignedFunctionUrlAuthorizer"/> answers); a signed one that does not verify gets the signing refusal
/// itself. <c>NONE</c> goes to <paramref name="inner"/> (the resource-policy check composes there).
/// </summary>
internal sealed class SigV4FunctionUrlAuthorizer(RequestSigning signing, IFunctionUrlAuthorizer inner) : IFunctionUrlAuthorizer
{
    public async ValueTask<bool> AuthorizeAsync(HttpContext context, FunctionUrlRoute route)
    {
        if (route.AuthType != FunctionUrlAuthType.AwsIam)
        {
            return await inner.AuthorizeAsync(context, route).ConfigureAwait(false);
        }
        if (SignatureParameters.IsUnsigned(context.Request))
        {
            await FunctionUrlAnswers.WriteForbiddenAsync(context, UnsignedFunctionUrlAuthorizer.ForbiddenBody).ConfigureAwait(false);
            return false;
        }
        return await signing.VerifyAsync(context, "lambda", RefusalShape.Lambda).ConfigureAwait(false) is not null;
    }
}
