using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// What a user adds on AWS before an <c>AuthType: NONE</c> URL answers (urls-auth.html: "Starting in October 2025, new
/// function URLs will require both lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions"), as AddPermission
/// requests — the same two calls as
/// <c>aws lambda add-permission --statement-id FunctionURLAllowPublicAccess --action lambda:InvokeFunctionUrl --principal '*' --function-url-auth-type NONE</c>
/// and <c>… --statement-id FunctionURLInvokeAllowPublicAccess --action lambda:InvokeFunction --principal '*' --invoked-via-function-url</c>
/// (the statement ids the Lambda console uses).
/// </summary>
public static class PublicUrlPermission
{
    public static async Task AllowPublicUrlAsync(this GatewayProcess gateway, string function, string? qualifier = null)
    {
        string path = $"/2015-03-31/functions/{function}/policy" + (qualifier is null ? "" : "?Qualifier=" + qualifier);
        await gateway.SendAsync(HttpMethod.Post, path, new JsonObject
        {
            ["StatementId"] = "FunctionURLAllowPublicAccess",
            ["Action"] = "lambda:InvokeFunctionUrl",
            ["Principal"] = "*",
            ["FunctionUrlAuthType"] = "NONE",
        }, HttpStatusCode.Created);
        await gateway.SendAsync(HttpMethod.Post, path, new JsonObject
        {
            ["StatementId"] = "FunctionURLInvokeAllowPublicAccess",
            ["Action"] = "lambda:InvokeFunction",
            ["Principal"] = "*",
            ["InvokedViaFunctionUrl"] = true,
        }, HttpStatusCode.Created);
    }
}
