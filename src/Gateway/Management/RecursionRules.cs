using Gateway.Functions.Registry;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>
/// PutFunctionRecursionConfig's rules over a <see cref="RegistrySnapshot"/>: a function-wide <c>Allow</c> or
/// <c>Terminate</c>, validated and answered as AWS does (LS-REC TestLambdaRecursion: the Put echoes the stored value,
/// the Get of a function that never set it answers Terminate, and any other value is a ValidationException naming
/// <c>recursiveLoop</c> and the enum in AWS's order). The gateway detects no recursive loops (it sees no SQS, SNS or S3
/// traffic to follow), so the value is only kept and answered: Terminate does not stop anything here.
/// </summary>
internal static class RecursionRules
{
    public const string Allow = "Allow";

    public const string Terminate = FunctionRecord.DefaultRecursiveLoop;

    /// <summary>The model's UnqualifiedFunctionName pattern, as a ValidationException quotes it.</summary>
    public const string UnqualifiedNamePattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)";

    /// <summary>The body's RecursiveLoop checked as the model checks it (required; one of the enum).</summary>
    public static LambdaError? Validate(string? recursiveLoop) => recursiveLoop switch
    {
        null => ValidationMessages.NullError("recursiveLoop"),
        Allow or Terminate => null,
        _ => ValidationMessages.Single(recursiveLoop, "recursiveLoop", "Member must satisfy enum value set: [Terminate, Allow]"),
    };

    /// <summary>Stores <paramref name="recursiveLoop"/> (already validated) on a function that must exist.</summary>
    public static (RegistrySnapshot Next, Outcome<string> Result) Put(RegistrySnapshot snapshot, string functionName, string functionArn, string recursiveLoop)
    {
        if (!snapshot.TryGet(functionName, out var function))
        {
            return (snapshot, LambdaError.ResourceNotFound("Function not found: " + functionArn));
        }
        if (function.RecursiveLoop == recursiveLoop)
        {
            return (snapshot, Outcome<string>.Ok(recursiveLoop)); // nothing to persist
        }
        return (snapshot.With(function with { RecursiveLoop = recursiveLoop, Origin = FunctionOrigin.Api }), Outcome<string>.Ok(recursiveLoop));
    }
}
