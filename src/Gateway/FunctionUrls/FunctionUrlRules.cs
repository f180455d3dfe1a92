using System.Text.RegularExpressions;
using Gateway.Functions.Registry;
using Gateway.Invoke;
using Gateway.Management;

namespace Gateway.FunctionUrls;

/// <summary>
/// The function-URL API's rules, pure (no HTTP, no store), with AWS's answers: botocore's model constraints as the
/// service words its ValidationException, the qualifier rule (none, or an alias: <c>$LATEST</c> and version numbers
/// fail the model's pattern), one URL per function and qualifier (409), and 404 for what does not exist.
/// </summary>
internal static partial class FunctionUrlRules
{
    /// <summary>The model's FunctionUrlQualifier pattern, as AWS prints it in its message.</summary>
    public const string QualifierPattern = @"((?!^\d+$)^[0-9a-zA-Z-_]+$)";

    /// <summary>AWS's text for a URL config that does not exist (LAMBDA.md §8).</summary>
    public const string NotFoundMessage = "The resource you requested does not exist.";

    [GeneratedRegex(QualifierPattern, RegexOptions.CultureInvariant)]
    private static partial Regex QualifierRegex();

    /// <summary>How the service words a list whose member strings break their shape's length.</summary>
    private static string ListConstraint(int maxLength, int minLength) =>
        $"Member must satisfy constraint: [Member must have length less than or equal to {maxLength}, Member must have length greater than or equal to {minLength}, Member must satisfy regular expression pattern: .*]";

    /// <summary>A query qualifier (null: none) against the model's FunctionUrlQualifier shape.</summary>
    public static LambdaError? CheckQualifier(string? qualifier)
    {
        if (qualifier is null)
        {
            return null;
        }
        var messages = new ValidationMessages();
        if (qualifier.Length > 128)
        {
            messages.Add(qualifier, "qualifier", "Member must have length less than or equal to 128");
        }
        if (qualifier.Length < 1)
        {
            messages.Add(qualifier, "qualifier", "Member must have length greater than or equal to 1");
        }
        if (!QualifierRegex().IsMatch(qualifier))
        {
            messages.Add(qualifier, "qualifier", "Member must satisfy regular expression pattern: " + QualifierPattern);
        }
        return messages.ToError();
    }

    /// <summary>The body's members against the model (AuthType required on create), with every violation in one
    /// message as AWS reports them.</summary>
    public static LambdaError? CheckBody(FunctionUrlConfigRequest request, bool create)
    {
        var messages = new ValidationMessages();
        if (request.AuthType is null)
        {
            if (create)
            {
                messages.AddNull("authType");
            }
        }
        else if (!FunctionUrlNames.TryAuthType(request.AuthType, out _))
        {
            messages.Add(request.AuthType, "authType", "Member must satisfy enum value set: [NONE, AWS_IAM]");
        }
        if (request.InvokeMode is not null && !FunctionUrlNames.TryInvokeMode(request.InvokeMode, out _))
        {
            messages.Add(request.InvokeMode, "invokeMode", "Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]"); // AWS's order (LS-REC test_lambda_url_invalid_invoke_mode), not botocore's
        }
        if (request.Cors is { } cors)
        {
            CheckList(messages, cors.AllowHeaders, "cors.allowHeaders", maxItems: 100, maxLength: 1024, minLength: 0);
            CheckList(messages, cors.AllowMethods, "cors.allowMethods", maxItems: 6, maxLength: 6, minLength: 0);
            CheckList(messages, cors.AllowOrigins, "cors.allowOrigins", maxItems: 100, maxLength: 253, minLength: 1);
            CheckList(messages, cors.ExposeHeaders, "cors.exposeHeaders", maxItems: 100, maxLength: 1024, minLength: 0);
            if (cors.MaxAge is < 0)
            {
                messages.Add(cors.MaxAge.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "cors.maxAge", "Member must have value greater than or equal to 0");
            }
            else if (cors.MaxAge is > 86400)
            {
                messages.Add(cors.MaxAge.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "cors.maxAge", "Member must have value less than or equal to 86400");
            }
        }
        return messages.ToError();
    }

    /// <summary>A list shape (max items) of string shapes (min/max length); AWS prints the list as Java does.</summary>
    private static void CheckList(ValidationMessages messages, List<string>? list, string member, int maxItems, int maxLength, int minLength)
    {
        if (list is null)
        {
            return;
        }
        string printed = "[" + string.Join(", ", list) + "]";
        if (list.Count > maxItems)
        {
            messages.Add(printed, member, $"Member must have length less than or equal to {maxItems}");
        }
        if (list.Exists(item => item is null || item.Length > maxLength || item.Length < minLength))
        {
            messages.Add(printed, member, ListConstraint(maxLength, minLength));
        }
    }

    /// <summary>AWS's text when Create/Update/ListFunctionUrlConfig(s) name a function or alias that does not exist
    /// (recorded against AWS: LocalStack's test_url_config_exceptions and test_url_config_list_paging snapshots); Get
    /// and Delete answer <see cref="NotFoundMessage"/>.</summary>
    public const string NoFunctionMessage = "Function does not exist";

    /// <summary>The function (and alias) a URL is for must exist: AWS's ResourceNotFoundException otherwise, with
    /// <paramref name="missingMessage"/> (each operation has its own, see <see cref="NoFunctionMessage"/>); null: the
    /// Functions API's "Function not found: {arn}".</summary>
    public static LambdaError? CheckTarget(RegistrySnapshot functions, string functionName, string? qualifier, string functionArn, string? missingMessage = null)
    {
        if (!functions.TryGet(functionName, out var function))
        {
            return LambdaError.ResourceNotFound(missingMessage ?? "Function not found: " + functionArn);
        }
        if (qualifier is not null && !function.Aliases.ContainsKey(qualifier))
        {
            return LambdaError.ResourceNotFound(missingMessage ?? $"Function not found: {functionArn}:{qualifier}");
        }
        return null;
    }

    public static Outcome<FunctionUrlConfig> Create(RegistrySnapshot functions, FunctionUrlSnapshot urls, string functionName, string? qualifier,
        string functionArn, FunctionUrlConfigRequest request, DateTimeOffset now)
    {
        if (CheckTarget(functions, functionName, qualifier, functionArn, NoFunctionMessage) is { } missing)
        {
            return missing;
        }
        if (urls.TryGet(functionName, qualifier, out _))
        {
            string arn = qualifier is null ? functionArn : $"{functionArn}:{qualifier}";
            return LambdaError.ResourceConflict($"Failed to create function url config for [functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function");
        }
        string id;
        do
        {
            id = FunctionUrlIds.NewId();
        }
        while (urls.TryGetById(id, out _));
        FunctionUrlNames.TryAuthType(request.AuthType, out var authType);
        FunctionUrlNames.TryInvokeMode(request.InvokeMode ?? "BUFFERED", out var invokeMode);
        return Outcome<FunctionUrlConfig>.Ok(new FunctionUrlConfig
        {
            UrlId = id,
            FunctionName = functionName,
            Qualifier = qualifier,
            AuthType = authType,
            Cors = request.Cors?.ToCors(),
            InvokeMode = invokeMode,
            InvokeModeSet = request.InvokeMode is not null,
            CreationTime = now,
            LastModifiedTime = now,
        });
    }

    /// <summary>Members present in the body replace the stored ones (Cors as a whole); absent ones stay.</summary>
    public static Outcome<FunctionUrlConfig> Update(RegistrySnapshot functions, FunctionUrlSnapshot urls, string functionName, string? qualifier,
        string functionArn, FunctionUrlConfigRequest request, DateTimeOffset now)
    {
        if (CheckTarget(functions, functionName, qualifier, functionArn, NoFunctionMessage) is { } missing)
        {
            return missing;
        }
        if (Find(functions, urls, functionName, qualifier, functionArn, out var existing) is { } error)
        {
            return error;
        }
        var updated = existing with { LastModifiedTime = now };
        if (request.AuthType is not null && FunctionUrlNames.TryAuthType(request.AuthType, out var authType))
        {
            updated = updated with { AuthType = authType };
        }
        if (request.InvokeMode is not null && FunctionUrlNames.TryInvokeMode(request.InvokeMode, out var invokeMode))
        {
            updated = updated with { InvokeMode = invokeMode, InvokeModeSet = true };
        }
        if (request.Cors is { } cors)
        {
            updated = updated with { Cors = cors.ToCors() };
        }
        return Outcome<FunctionUrlConfig>.Ok(updated);
    }

    /// <summary>The URL of a function and qualifier: 404 for a missing function or alias, or a missing URL (all three
    /// with AWS's one text for Get and Delete).</summary>
    public static LambdaError? Find(RegistrySnapshot functions, FunctionUrlSnapshot urls, string functionName, string? qualifier, string functionArn, out FunctionUrlConfig config)
    {
        config = null!;
        if (CheckTarget(functions, functionName, qualifier, functionArn, NotFoundMessage) is { } missing)
        {
            return missing;
        }
        return urls.TryGet(functionName, qualifier, out config) ? null : LambdaError.ResourceNotFound(NotFoundMessage);
    }
}
