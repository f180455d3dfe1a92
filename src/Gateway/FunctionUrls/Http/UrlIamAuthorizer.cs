using System.Text.Json;
using Gateway.Security;

namespace Gateway.FunctionUrls.Http;

/// <summary>
/// <c>requestContext.authorizer.iam</c> of an <c>AWS_IAM</c> URL's event: who signed the request. AWS: "An object that
/// contains information about the caller identity, if the function URL uses the AWS_IAM auth type" (urls-invocation,
/// "Request payload format"), with <c>accessKey</c>, <c>accountId</c>, <c>callerId</c>, <c>cognitoIdentity</c>,
/// <c>principalOrgId</c>, <c>userArn</c> and <c>userId</c>. A handler that authorizes per caller or audits reads it.
/// </summary>
/// <remarks>
/// The gateway knows what the credentials file says: the access key, the section (the user's name here) and the
/// account; IAM's unique ids come from <see cref="IamUserId"/>. No organizations, no Cognito: both null.
/// </remarks>
internal static class UrlIamAuthorizer
{
    public static void Write(Utf8JsonWriter w, CallerIdentity caller)
    {
        var userId = caller.UserId ?? IamUserId.For(caller.Arn);
        w.WriteStartObject("authorizer"u8);
        w.WriteStartObject("iam"u8);
        w.WriteString("accessKey"u8, caller.AccessKeyId);
        w.WriteString("accountId"u8, caller.AccountId);
        w.WriteString("callerId"u8, userId);
        w.WriteNull("cognitoIdentity"u8);
        w.WriteNull("principalOrgId"u8);
        w.WriteString("userArn"u8, caller.Arn);
        w.WriteString("userId"u8, userId);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
