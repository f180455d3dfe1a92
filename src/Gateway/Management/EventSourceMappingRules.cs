using System.Text.RegularExpressions;
using Gateway.Invoke;
using Gateway.Security.Policies;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// ListEventSourceMappings' query as botocore's model constrains it (ListEventSourceMappingsRequest): EventSourceArn
/// the <c>Arn</c> shape's pattern, FunctionName a NamespacedFunctionName (1–256 characters and its pattern), MaxItems
/// 1–10000. AWS checks these before it looks anything up, and names every violation in one ValidationException, in
/// the model's member order. A well-formed FunctionName of a function that does not exist is no error: AWS answers an
/// empty list (LS-REC test_event_source_mapping_exceptions: "list doesn't care about the resource filters existing").
/// </summary>
internal static partial class EventSourceMappingRules
{
    /// <summary>NamespacedFunctionName's pattern as AWS's ValidationException quotes it (LS-REC 2025-11, the same
    /// shape on GetFunction and DeleteFunction: test_function_name_and_qualifier_validation[…-get_function]).</summary>
    public const string FunctionNamePattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";

    public const int FunctionNameMaxLength = 256;

    public const int ModelMaxItems = 10000;

    [GeneratedRegex(@"\A(?:" + FunctionNamePattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionName();

    /// <summary>AWS's ValidationException for the query, or null when every member satisfies the model.</summary>
    public static LambdaError? CheckList(IQueryCollection query)
    {
        var errors = new ValidationMessages();
        if (query.TryGetValue("EventSourceArn", out var arnValue) && arnValue.ToString() is var arn && !PolicyRules.IsArnShape(arn))
        {
            errors.Add(arn, "eventSourceArn", "Member must satisfy regular expression pattern: " + PolicyRules.ArnShapePattern);
        }
        if (query.TryGetValue("FunctionName", out var nameValue))
        {
            errors.AddLengthAndPattern(nameValue.ToString(), "functionName", FunctionNameMaxLength, FunctionName(), FunctionNamePattern);
        }
        Paging.CheckMaxItems(query, ModelMaxItems, errors);
        return errors.ToError();
    }
}
