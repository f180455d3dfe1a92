using Gateway.Invoke;
using Gateway.Management;
using static Gateway.UnitTests.Management.Records;

namespace Gateway.UnitTests.Management;

/// <summary>Reserved and provisioned concurrency limits with AWS's recorded texts (LocalStack's AWS snapshots, 2025-11).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConcurrencyRulesTests
{
    private static readonly ConcurrencyLimits Limits = new(AccountLimit: 1000, MinimumUnreserved: 100);

    private static void AssertError(LambdaError? error, int status, string type, string message, string? bodyType)
    {
        Assert.NotNull(error);
        Assert.Equal(status, error.Status);
        Assert.Equal(type, error.ErrorType);
        Assert.Equal(message, error.Message);
        Assert.Equal(bodyType, error.Type);
    }

    [Fact]
    public void Put_sets_zero_and_more_and_Delete_clears()
    {
        var snapshot = Snapshot(Function("fn"));

        var (zero, result) = ConcurrencyRules.PutReserved(snapshot, "fn", ArnOf("fn"), 0, Limits);
        Assert.Equal(0, result.Value);
        Assert.True(zero.TryGet("fn", out var function));
        Assert.Equal(0, function.ReservedConcurrentExecutions);

        var (one, _) = ConcurrencyRules.PutReserved(zero, "fn", ArnOf("fn"), 1, Limits);
        var (same, again) = ConcurrencyRules.PutReserved(one, "fn", ArnOf("fn"), 1, Limits);
        Assert.Same(one, same); // unchanged: nothing to persist
        Assert.Equal(1, again.Value);

        var (cleared, deleted) = ConcurrencyRules.DeleteReserved(one, "fn", ArnOf("fn"));
        Assert.True(deleted.Value);
        Assert.True(cleared.TryGet("fn", out function));
        Assert.Null(function.ReservedConcurrentExecutions);
    }

    [Fact]
    public void Get_answers_an_empty_object_when_unset()
    {
        string json = System.Text.Json.JsonSerializer.Serialize(new ConcurrencyDocument(), ManagementJsonContext.Wire.ConcurrencyDocument);
        Assert.Equal("{}", json);
    }

    [Fact]
    public void Negative_and_missing_values_are_validation_errors()
    {
        var snapshot = Snapshot(Function("fn"));
        AssertError(ConcurrencyRules.PutReserved(snapshot, "fn", ArnOf("fn"), -1, Limits).Result.Error, 400, "ValidationException",
            "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0", null);
        AssertError(ConcurrencyRules.PutReserved(snapshot, "fn", ArnOf("fn"), null, Limits).Result.Error, 400, "ValidationException",
            "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null", null);
    }

    [Fact]
    public void A_missing_function_is_named_with_LATEST()
    {
        AssertError(ConcurrencyRules.PutReserved(Snapshot(), "doesnotexist", ArnOf("doesnotexist"), 1, Limits).Result.Error, 404, "ResourceNotFoundException",
            $"Function not found: {ArnOf("doesnotexist")}:$LATEST", "User");
    }

    [Theory]
    [InlineData(901)]
    [InlineData(1001)]
    public void The_unreserved_pool_keeps_its_minimum(int reserved)
    {
        var (_, result) = ConcurrencyRules.PutReserved(Snapshot(Function("fn")), "fn", ArnOf("fn"), reserved, Limits);
        AssertError(result.Error, 400, "InvalidParameterValueException",
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].", null);
    }

    [Fact]
    public void Other_functions_reservations_count_but_the_functions_own_is_replaced()
    {
        var snapshot = Snapshot(Function("fn", reserved: 500), Function("other", reserved: 400));
        Assert.True(ConcurrencyRules.PutReserved(snapshot, "fn", ArnOf("fn"), 500, Limits).Result.IsOk); // 1000 − 400 − 500 = 100
        Assert.False(ConcurrencyRules.PutReserved(snapshot, "fn", ArnOf("fn"), 501, Limits).Result.IsOk);
    }

    [Fact]
    public void A_reservation_cannot_go_below_the_provisioned_total()
    {
        var snapshot = Snapshot(Function("fn", published: 1).WithProvisioned("1", 2));
        AssertError(ConcurrencyRules.PutReserved(snapshot, "fn", ArnOf("fn"), 1, Limits).Result.Error, 400, "InvalidParameterValueException",
            " ReservedConcurrentExecutions  1 should not be lower than function's total provisioned concurrency [2].", null);
        Assert.True(ConcurrencyRules.PutReserved(snapshot, "fn", ArnOf("fn"), 2, Limits).Result.IsOk);
    }

    [Fact]
    public void Provisioned_concurrency_must_fit_in_the_reservation()
    {
        var function = Function("fn", published: 2, reserved: 2).WithProvisioned("1", 2);
        var snapshot = Snapshot(function);
        const string message = "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function";

        AssertError(ConcurrencyRules.CheckProvisioned(snapshot, function, "2", 1, Limits), 400, "InvalidParameterValueException", message, "User");
        AssertError(ConcurrencyRules.CheckProvisioned(snapshot, function, "1", 3, Limits), 400, "InvalidParameterValueException", message, "User");
        Assert.Null(ConcurrencyRules.CheckProvisioned(snapshot, function, "1", 2, Limits)); // replaces its own config
    }

    [Fact]
    public void Provisioned_concurrency_without_a_reservation_comes_out_of_the_unreserved_pool()
    {
        var function = Function("fn", published: 1);
        var snapshot = Snapshot(function, Function("reserved", reserved: 100), Function("pool", published: 1).WithProvisioned("1", 300));

        AssertError(ConcurrencyRules.CheckProvisioned(snapshot, function, "1", 901, Limits), 400, "InvalidParameterValueException",
            "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [900].", null);
        // 900 unreserved − 300 provisioned elsewhere − 501 = 99 < 100
        AssertError(ConcurrencyRules.CheckProvisioned(snapshot, function, "1", 501, Limits), 400, "InvalidParameterValueException",
            "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].", null);
        Assert.Null(ConcurrencyRules.CheckProvisioned(snapshot, function, "1", 500, Limits));
    }

    [Fact]
    public void Account_settings_count_every_version_and_every_reservation()
    {
        var snapshot = Snapshot(Function("a", published: 2, reserved: 50), Function("b", reserved: 25));

        var settings = AccountSettingsEndpoint.Build(snapshot, Gateway.Functions.Layers.LayerSnapshot.Empty, Limits);

        Assert.Equal(1000, settings.AccountLimit.ConcurrentExecutions);
        Assert.Equal(925, settings.AccountLimit.UnreservedConcurrentExecutions);
        Assert.Equal(80530636800, settings.AccountLimit.TotalCodeSize);
        Assert.Equal(262144000, settings.AccountLimit.CodeSizeUnzipped);
        Assert.Equal(52428800, settings.AccountLimit.CodeSizeZipped);
        Assert.Equal(2, settings.AccountUsage.FunctionCount);
        Assert.Equal(4 * 100, settings.AccountUsage.TotalCodeSize); // a: $LATEST, 1, 2; b: $LATEST
    }

    [Fact]
    public void Provisioned_concurrency_of_functions_without_a_reservation_is_taken_from_the_unreserved_figure()
    {
        // monitoring-concurrency.html: allocated concurrency is every reservation plus the provisioned concurrency of
        // functions without one; a function with both counts its reservation only.
        var snapshot = Snapshot(Function("reserved", published: 1, reserved: 100).WithProvisioned("1", 40),
            Function("blue", published: 1).WithProvisioned("1", 200), Function("plain"));

        var settings = AccountSettingsEndpoint.Build(snapshot, Gateway.Functions.Layers.LayerSnapshot.Empty, Limits);
        Assert.Equal(700, settings.AccountLimit.UnreservedConcurrentExecutions);

        // A reservation must leave the minimum after blue's provisioned concurrency too: 1000 − 100 − 200 − 601 = 99.
        Assert.True(snapshot.TryGet("plain", out var plain));
        AssertError(ConcurrencyRules.CheckReserved(snapshot, plain, 601, Limits), 400, "InvalidParameterValueException",
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].", null);
        Assert.Null(ConcurrencyRules.CheckReserved(snapshot, plain, 600, Limits));
        // Blue's own provisioned concurrency moves inside a reservation of its own: 1000 − 100 − 800 = 100.
        Assert.True(snapshot.TryGet("blue", out var blue));
        Assert.Null(ConcurrencyRules.CheckReserved(snapshot, blue, 800, Limits));
    }

    [Fact]
    public void Account_settings_count_every_live_layer_version_too()
    {
        // LS-REC test_account_settings_total_code_size: publishing a layer version grows TotalCodeSize by its CodeSize.
        var snapshot = Snapshot(Function("a"));
        var layers = Gateway.Functions.Layers.LayerSnapshot.Empty
            .With(Gateway.UnitTests.Functions.Layers.LayerRegistryTests.Version("deps", 1))
            .With(Gateway.UnitTests.Functions.Layers.LayerRegistryTests.Version("deps", 2))
            .With(Gateway.UnitTests.Functions.Layers.LayerRegistryTests.Version("deps", 3) with { Deleted = true })
            .With(Gateway.UnitTests.Functions.Layers.LayerRegistryTests.Version("tools", 1));

        var settings = AccountSettingsEndpoint.Build(snapshot, layers, Limits);

        Assert.Equal(100 + 3 * 5, settings.AccountUsage.TotalCodeSize); // a's $LATEST, then deps 1 and 2 and tools 1 (5 bytes each)
    }
}
