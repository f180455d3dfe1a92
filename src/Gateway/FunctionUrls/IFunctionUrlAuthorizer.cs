using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls;

/// <summary>
/// Decides whether a request may call a URL, before anything reads its body. The seam where SigV4 verification of
/// <c>AWS_IAM</c> URLs plugs in (the security issue); until then <see cref="UnsignedFunctionUrlAuthorizer"/>.
/// </summary>
internal interface IFunctionUrlAuthorizer
{
    /// <summary>True to invoke; false when the refusal has been written to <paramref name="context"/>.</summary>
    ValueTask<bool> AuthorizeAsync(HttpContext context, FunctionUrlRoute route);
}

/// <summary>
/// <c>NONE</c> passes; <c>AWS_IAM</c> answers every request as AWS answers one it cannot verify: 403 with
/// <c>x-amzn-ErrorType: AccessDeniedException</c> and AWS's body (recorded 2026, awsdocs/aws-lambda-developer-guide#494).
/// </summary>
internal sealed class UnsignedFunctionUrlAuthorizer : IFunctionUrlAuthorizer
{
    public const string ForbiddenBody = """{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}""";

    public ValueTask<bool> AuthorizeAsync(HttpContext context, FunctionUrlRoute route)
    {
        if (route.AuthType == FunctionUrlAuthType.None)
        {
            return ValueTask.FromResult(true);
        }
        return Refuse(context);
    }

    private static async ValueTask<bool> Refuse(HttpContext context)
    {
        await FunctionUrlAnswers.WriteForbiddenAsync(context, ForbiddenBody).ConfigureAwait(false);
        return false;
    }
}
