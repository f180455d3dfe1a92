using System.Text.RegularExpressions;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// Code signing as this gateway has it: no code-signing config can exist (there are no AWS Signer profiles to trust,
/// and the gateway verifies no signatures), so every ARN a request names is one AWS would not find. The refusals are
/// AWS's, as LocalStack recorded them on AWS (test_lambda_api TestCodeSigningConfig test_code_signing_not_found_excs):
/// <list type="bullet">
/// <item>attaching one to a function (PutFunctionCodeSigningConfig, and CreateFunction's CodeSigningConfigArn):
/// 404 CodeSigningConfigNotFoundException, <c>{"Type":"User","Message":…}</c>, checked before the function
/// (put_function_csc_invalid_both names an unknown function too)</item>
/// <item>the config itself (Get/Update/Delete, ListFunctionsByCodeSigningConfig): 404 ResourceNotFoundException
/// "The Lambda code signing configuration {arn} can not be found.", with no Type</item>
/// </list>
/// An ARN that does not match the model's pattern is the model's ValidationException first.
/// </summary>
internal static partial class CodeSigningRules
{
    /// <summary>botocore's CodeSigningConfigArn pattern (service-2.json), as a ValidationException quotes it.</summary>
    public const string ArnPattern = @"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}";

    public const int MaxArnLength = 200;

    /// <summary>
    /// CreateCodeSigningConfig's refusal. A config would name AWS Signer profiles this gateway cannot check, and
    /// accepting one would make a function look protected by signature checks that never run. InvalidParameterValueException
    /// is an error type every client and IaC tool already reports as a bad request (not retried, not a fault).
    /// </summary>
    public const string NotServed = "Code signing configurations are not served by this gateway: it verifies no code signatures (there are no AWS Signer profiles here). Deploy without a CodeSigningConfigArn.";

    [GeneratedRegex("^(?:" + ArnPattern + ")$", RegexOptions.CultureInvariant)]
    private static partial Regex Arn();

    /// <summary>The model's constraints on a CodeSigningConfigArn member (given: null is for the caller to judge).</summary>
    public static string? ArnConstraint(string arn, string member)
    {
        if (arn.Length > MaxArnLength)
        {
            return $"Value '{arn}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {MaxArnLength}";
        }
        return Arn().IsMatch(arn)
            ? null
            : $"Value '{arn}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {ArnPattern}";
    }

    /// <summary>A config named in a request path (Get/Update/Delete/ListFunctionsBy): the model's ValidationException
    /// for a malformed ARN, else AWS's "can not be found".</summary>
    public static LambdaError UnknownConfig(string arn) =>
        ArnConstraint(arn, "codeSigningConfigArn") is { } invalid
            ? LambdaError.Validation("1 validation error detected: " + invalid)
            : new LambdaError(404, "ResourceNotFoundException", $"The Lambda code signing configuration {arn} can not be found.", true, null);

    /// <summary>ListFunctionsByCodeSigningConfig: the ARN and MaxItems (1–10000) are the request's model constraints,
    /// checked together before the config is looked up (AWS validates a request whole first), then AWS's "can not be
    /// found".</summary>
    public static LambdaError UnknownConfigFunctions(string arn, Microsoft.AspNetCore.Http.IQueryCollection query)
    {
        var errors = new ValidationMessages();
        if (ArnConstraint(arn, "codeSigningConfigArn") is { } invalidArn)
        {
            errors.AddEntry(invalidArn);
        }
        Paging.CheckMaxItems(query, 10000, errors);
        return errors.ToError() ?? UnknownConfig(arn);
    }

    /// <summary>A config a function was to be bound to (PutFunctionCodeSigningConfig, CreateFunction): recorded as
    /// put_function_csc_invalid_csc_arn.</summary>
    public static LambdaError NotFoundForFunction(string arn) =>
        new(404, "CodeSigningConfigNotFoundException", $"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}.", true, "User");

    /// <summary>PutFunctionCodeSigningConfig's body: required and well-formed (the model), then never found.</summary>
    public static LambdaError RefusePut(string? arn)
    {
        if (arn is null)
        {
            return ValidationMessages.NullError("codeSigningConfigArn");
        }
        return ArnConstraint(arn, "codeSigningConfigArn") is { } invalid
            ? LambdaError.Validation("1 validation error detected: " + invalid)
            : NotFoundForFunction(arn);
    }
}
