using Gateway.Functions.Registry;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>The account's concurrency limit and the part of it reservations may never take (GatewayOptions).</summary>
internal readonly record struct ConcurrencyLimits(int AccountLimit, int MinimumUnreserved)
{
    public static ConcurrencyLimits From(GatewayOptions options) => new(options.AccountConcurrencyLimit, options.EffectiveMinimumUnreservedConcurrency);
}

/// <summary>
/// Lambda's concurrency arithmetic, in one pure place over a <see cref="RegistrySnapshot"/>: reserved concurrency
/// (PutFunctionConcurrency) and provisioned concurrency (PutProvisionedConcurrencyConfig) against the account's limit,
/// its minimum unreserved pool and each other. AWS's texts (spaces and brackets as recorded) come from LocalStack's AWS
/// snapshots: test_lambda_api TestLambdaReservedConcurrency/TestLambdaProvisionedConcurrency and test_lambda
/// test_reserved_provisioned_overlap (2025-11). The ones AWS sends without "Type" are built without it.
/// </summary>
internal static class ConcurrencyRules
{
    /// <summary>Σ reserved concurrency of every function except <paramref name="except"/>.</summary>
    public static int ReservedTotal(RegistrySnapshot snapshot, string? except = null)
    {
        int total = 0;
        foreach (var function in snapshot.All)
        {
            if (function.ReservedConcurrentExecutions is int reserved && function.Name != except)
            {
                total += reserved;
            }
        }
        return total;
    }

    /// <summary>
    /// Σ provisioned concurrency of the functions without a reservation, but <paramref name="except"/>: what is held back
    /// from the unreserved pool besides the reservations (AWS's allocated concurrency is "the total RC across all
    /// functions" plus "the total PC across all functions … that use PC, excluding functions that use RC";
    /// monitoring-concurrency.html, ClaimedAccountConcurrency).
    /// </summary>
    public static int ProvisionedOutsideReservations(RegistrySnapshot snapshot, string? except = null)
    {
        int total = 0;
        foreach (var function in snapshot.All)
        {
            if (function.ReservedConcurrentExecutions is null && function.Name != except)
            {
                total += TotalProvisioned(function);
            }
        }
        return total;
    }

    /// <summary>
    /// GetAccountSettings' UnreservedConcurrentExecutions: the account limit less every reservation and the provisioned
    /// concurrency of functions without one (which AWS's own refusals treat as decreasing it: "Specified
    /// ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value").
    /// The admission's pool for on-demand environments is the same number.
    /// </summary>
    public static int UnreservedConcurrency(RegistrySnapshot snapshot, ConcurrencyLimits limits) =>
        limits.AccountLimit - ReservedTotal(snapshot) - ProvisionedOutsideReservations(snapshot);

    /// <summary>A function's provisioned concurrency over all its qualifiers, but <paramref name="exceptQualifier"/>
    /// (the config a Put replaces).</summary>
    public static int TotalProvisioned(FunctionRecord function, string? exceptQualifier = null)
    {
        int total = 0;
        foreach (var (qualifier, config) in function.ProvisionedConcurrency)
        {
            if (qualifier != exceptQualifier)
            {
                total += config.Requested;
            }
        }
        return total;
    }

    /// <summary>PutFunctionConcurrency's checks for <paramref name="reserved"/> (≥ 0, checked by the caller's model
    /// validation): the unreserved pool keeps its minimum, and the reservation covers the function's provisioned
    /// concurrency.</summary>
    public static LambdaError? CheckReserved(RegistrySnapshot snapshot, FunctionRecord function, int reserved, ConcurrencyLimits limits)
    {
        // The function's current reservation is replaced, so it does not count (as LocalStack found on AWS, 2023-11);
        // its own provisioned concurrency moves inside the reservation, other unreserved functions' stays held back.
        if ((long)limits.AccountLimit - ReservedTotal(snapshot, except: function.Name) - ProvisionedOutsideReservations(snapshot, except: function.Name)
            - reserved < limits.MinimumUnreserved)
        {
            return Untyped($"Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{limits.MinimumUnreserved}].");
        }
        int provisioned = TotalProvisioned(function);
        if (reserved < provisioned)
        {
            return Untyped($" ReservedConcurrentExecutions  {reserved} should not be lower than function's total provisioned concurrency [{provisioned}].");
        }
        return null;
    }

    /// <summary>
    /// PutProvisionedConcurrencyConfig's limits for <paramref name="requested"/> on <paramref name="qualifier"/>: with a
    /// reservation, the function's provisioned total must fit in it; without one it comes out of the unreserved
    /// pool, which must stay at its minimum after every unreserved function's provisioned concurrency.
    /// </summary>
    public static LambdaError? CheckProvisioned(RegistrySnapshot snapshot, FunctionRecord function, string qualifier, int requested, ConcurrencyLimits limits)
    {
        int others = TotalProvisioned(function, exceptQualifier: qualifier);
        if (function.ReservedConcurrentExecutions is int reserved)
        {
            return others + requested > reserved
                ? LambdaError.InvalidParameterValue("Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function")
                : null;
        }
        // The first figure is the account limit less the reservations (recorded on an account without any: the limit).
        int unreserved = limits.AccountLimit - ReservedTotal(snapshot);
        if (requested > unreserved)
        {
            return Untyped($"Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{unreserved}].");
        }
        long poolProvisioned = others + ProvisionedOutsideReservations(snapshot, except: function.Name);
        if (unreserved - poolProvisioned - requested < limits.MinimumUnreserved)
        {
            return Untyped($"Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{limits.MinimumUnreserved}].");
        }
        return null;
    }

    /// <summary>The reservation of a function that must exist (<c>Function not found: {arn}:$LATEST</c>, as
    /// PutFunctionConcurrency words it).</summary>
    public static (RegistrySnapshot Next, Outcome<int> Result) PutReserved(RegistrySnapshot snapshot, string functionName, string functionArn, int? reserved, ConcurrencyLimits limits)
    {
        if (reserved is not int value)
        {
            return (snapshot, ValidationMessages.NullError("reservedConcurrentExecutions"));
        }
        if (value < 0)
        {
            return (snapshot, ValidationMessages.Single(value.ToString(System.Globalization.CultureInfo.InvariantCulture), "reservedConcurrentExecutions", "Member must have value greater than or equal to 0"));
        }
        if (!snapshot.TryGet(functionName, out var function))
        {
            return (snapshot, LambdaError.ResourceNotFound($"Function not found: {functionArn}:{Functions.FunctionVersions.Latest}"));
        }
        if (CheckReserved(snapshot, function, value, limits) is { } refused)
        {
            return (snapshot, refused);
        }
        if (function.ReservedConcurrentExecutions == value)
        {
            return (snapshot, Outcome<int>.Ok(value)); // nothing to persist or apply
        }
        return (snapshot.With(function with { ReservedConcurrentExecutions = value }), Outcome<int>.Ok(value));
    }

    /// <summary>DeleteFunctionConcurrency: back to the unreserved pool (204 also when none was set).</summary>
    public static (RegistrySnapshot Next, Outcome<bool> Result) DeleteReserved(RegistrySnapshot snapshot, string functionName, string functionArn)
    {
        if (!snapshot.TryGet(functionName, out var function))
        {
            return (snapshot, LambdaError.ResourceNotFound("Function not found: " + functionArn));
        }
        if (function.ReservedConcurrentExecutions is null)
        {
            return (snapshot, Outcome<bool>.Ok(false));
        }
        return (snapshot.With(function with { ReservedConcurrentExecutions = null }), Outcome<bool>.Ok(true));
    }

    /// <summary>The concurrency operations take a function, never a version or alias (put_function_concurrency_with_qualified_arn).</summary>
    public static LambdaError QualifiedName { get; } = LambdaError.InvalidParameterValue(
        "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.");

    /// <summary>InvalidParameterValueException as AWS sends its concurrency-limit refusals: <c>{"message":…}</c>, no Type.</summary>
    private static LambdaError Untyped(string message) => new(400, "InvalidParameterValueException", message, false, null);
}
