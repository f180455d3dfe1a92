namespace Gateway.Invoke;

/// <summary>
/// A refusal in Lambda's shape, as a value: the status, the <c>x-amzn-ErrorType</c> exception name, the message and
/// how AWS spells that exception's body (<c>Message</c> or <c>message</c>, with or without <c>Type</c>). Resolvers and
/// validators return these; the endpoint writes them with <see cref="LambdaErrors.WriteAsync(Microsoft.AspNetCore.Http.HttpContext, LambdaError)"/>.
/// </summary>
internal sealed record LambdaError(int Status, string ErrorType, string Message, bool CapitalMessage, string? Type)
{
    public static LambdaError ResourceNotFound(string message) => new(404, "ResourceNotFoundException", message, true, "User");

    public static LambdaError ResourceConflict(string message) => new(409, "ResourceConflictException", message, false, "User"); // recorded: {"Type":"User","message":…}

    public static LambdaError InvalidParameterValue(string message) => new(400, "InvalidParameterValueException", message, false, "User");

    public static LambdaError InvalidRequestContent(string message) => new(400, "InvalidRequestContentException", message, false, "User");

    public static LambdaError PreconditionFailed(string message) => new(412, "PreconditionFailedException", message, false, "User");

    /// <summary>AWS sends only <c>{"message":…}</c> for validation errors.</summary>
    public static LambdaError Validation(string message) => new(400, "ValidationException", message, false, null);

    public static LambdaError RequestEntityTooLarge(string message) => new(413, "RequestEntityTooLargeException", message, true, null);

    public static LambdaError AccessDenied(string message) => new(403, "AccessDeniedException", message, true, null);

    public static LambdaError ServiceException(string message) => new(500, "ServiceException", message, true, "Service");
}
