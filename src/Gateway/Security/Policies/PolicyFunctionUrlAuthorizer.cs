using Gateway.FunctionUrls;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security.Policies;

/// <summary>
/// The resource-policy check after whichever authorizer verifies the caller (today <see cref="UnsignedFunctionUrlAuthorizer"/>,
/// with <c>--auth sigv4</c> the signature-verifying one): a decorator, so the two compose in either configuration. A
/// request the inner authorizer refused is not looked at again; one it passed must also be allowed by the function's
/// policy (<see cref="FunctionPolicies.AllowsUrl"/>), else it gets the same 403 AWS gives any unauthorized URL request.
/// </summary>
internal sealed class PolicyFunctionUrlAuthorizer(IFunctionUrlAuthorizer inner, FunctionPolicies policies, GatewayOptions options) : IFunctionUrlAuthorizer
{
    private static readonly CallerIdentity Anonymous = new("", "", null, Verified: false);

    public async ValueTask<bool> AuthorizeAsync(HttpContext context, FunctionUrlRoute route)
    {
        if (!await inner.AuthorizeAsync(context, route).ConfigureAwait(false))
        {
            return false;
        }
        // A NONE URL's request is anonymous: the caller is only worked out (an allocation with authentication off) for AWS_IAM.
        if (policies.AllowsUrl(route, route.AuthType == FunctionUrlAuthType.None ? Anonymous : context.CallerOf(options)))
        {
            return true;
        }
        await FunctionUrlAnswers.WriteForbiddenAsync(context, UnsignedFunctionUrlAuthorizer.ForbiddenBody).ConfigureAwait(false);
        return false;
    }
}
