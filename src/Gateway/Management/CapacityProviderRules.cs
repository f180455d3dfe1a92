using System.Text.RegularExpressions;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Capacity providers (Lambda Managed Instances, API version 2025-11-30) as this gateway has them: none. Functions run
/// in the gateway's own environments, never on EC2 instances a capacity provider would launch, so an account here is an
/// AWS account without any, and each operation answers as AWS does for one:
/// <list type="bullet">
/// <item>ListCapacityProviders: an empty <c>CapacityProviders</c> list</item>
/// <item>Get/Update/DeleteCapacityProvider and ListFunctionVersionsByCapacityProvider on a well-formed name or ARN:
/// 404 ResourceNotFoundException "Capacity provider not found: {arn}", the text, Type and ARN form AWS gave for a
/// capacity-provider ARN tagged (LS-REC 2025-11, TestLambdaTag::test_tag_exceptions[capacity_provider]); a bare name
/// is spelled out as this region's and account's ARN, as LocalStack's Lambda provider does
/// (<c>_get_capacity_provider</c>)</item>
/// <item>CreateCapacityProvider: refused (<see cref="NotServed"/>)</item>
/// </list>
/// Before any of that the model's constraints (service-2.json) are checked, every violation in one ValidationException.
/// </summary>
internal static partial class CapacityProviderRules
{
    /// <summary>CapacityProviderName's pattern as a ValidationException would quote it: botocore's, with the
    /// <c>(eusc-)?</c> region prefix that every pattern AWS quoted since 2025-11 carries and botocore's data leaves out
    /// (recorded for the same ARN form in TagResource's resource pattern, "capacity-provider:[a-zA-Z0-9-_]+"). INFERRED:
    /// no recording of this member's own message exists.</summary>
    public const string NamePattern = @"(arn:aws[a-zA-Z-]*:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:capacity-provider:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";

    public const int NameMaxLength = 140;

    /// <summary>MaxFiftyListItems: both list operations take 1–50.</summary>
    public const int ModelMaxItems = 50;

    /// <summary>CapacityProviderState, in the model's order (AWS prints an enum set in an order of its own, unrecorded
    /// for this one).</summary>
    public const string StateEnum = "[Pending, Active, Failed, Deleting]";

    /// <summary>
    /// CreateCapacityProvider's refusal. A capacity provider launches EC2 instances in the caller's VPC to run functions
    /// on; nothing here can, and accepting one would leave a function waiting on instances that never come.
    /// InvalidParameterValueException is in the operation's modelled errors and is what clients and IaC tools report as
    /// a bad request (shown, not retried), as for event source mappings and code-signing configs.
    /// </summary>
    public const string NotServed = "Capacity providers are not served by this gateway: it runs functions in its own execution environments, not on Lambda Managed Instances. Deploy without a CapacityProviderConfig.";

    [GeneratedRegex(@"\A(?:" + NamePattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    /// <summary>The route's CapacityProviderName against the model (length 1–140, the pattern) into <paramref name="errors"/>.</summary>
    public static void CheckName(string name, ValidationMessages errors) =>
        errors.AddLengthAndPattern(name, "capacityProviderName", NameMaxLength, Name(), NamePattern);

    /// <summary>ListCapacityProviders' query (State, Marker, MaxItems in the model's order; Marker is unconstrained).</summary>
    public static LambdaError? CheckList(IQueryCollection query)
    {
        var errors = new ValidationMessages();
        if (query.TryGetValue("State", out var stateValue) && stateValue.ToString() is var state
            && state is not ("Pending" or "Active" or "Failed" or "Deleting"))
        {
            errors.Add(state, "state", "Member must satisfy enum value set: " + StateEnum);
        }
        Paging.CheckMaxItems(query, ModelMaxItems, errors);
        return errors.ToError();
    }

    /// <summary>A named capacity provider (Get/Update/Delete; <paramref name="query"/> given for
    /// ListFunctionVersionsByCapacityProvider, whose MaxItems is checked with the name): the model's ValidationException,
    /// else AWS's not-found.</summary>
    public static LambdaError Unknown(string name, IQueryCollection? query, string region, string accountId)
    {
        var errors = new ValidationMessages();
        CheckName(name, errors);
        if (query is not null)
        {
            Paging.CheckMaxItems(query, ModelMaxItems, errors);
        }
        if (errors.ToError() is { } invalid)
        {
            return invalid;
        }
        return NotFound(name.StartsWith("arn:", StringComparison.Ordinal) ? name : $"arn:aws:lambda:{region}:{accountId}:capacity-provider:{name}");
    }

    /// <summary>AWS's answer for a capacity provider that does not exist, from any operation (tagging included).</summary>
    public static LambdaError NotFound(string arn) => LambdaError.ResourceNotFound("Capacity provider not found: " + arn);
}
