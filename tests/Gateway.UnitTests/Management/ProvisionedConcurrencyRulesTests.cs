using Gateway.Functions.Registry;
using Gateway.Hosting;
using Gateway.Invoke;
using Gateway.Management;
using static Gateway.UnitTests.Management.Records;

namespace Gateway.UnitTests.Management;

/// <summary>Provisioned concurrency configs against AWS's recorded answers (LocalStack's AWS snapshots,
/// test_lambda_api TestLambdaProvisionedConcurrency and test_lambda test_reserved_provisioned_overlap, 2025-11).</summary>
public sealed class ProvisionedConcurrencyRulesTests
{
    private const string Fn = "fn";
    private static readonly string FnArn = ArnOf(Fn);
    private static readonly ConcurrencyLimits Limits = new(1000, 100);
    private static readonly DateTimeOffset Now = new(2019, 12, 31, 20, 28, 49, TimeSpan.Zero);

    /// <summary>Ready environments per version, as the host would report them.</summary>
    private sealed class FakeStatus : IProvisionedStatus
    {
        public Dictionary<string, int> Ready { get; } = [];

        public int ReadyEnvironments(string functionName, string version) =>
            Ready.TryGetValue(functionName + ":" + version, out int ready) ? ready : 0;
    }

    private static (RegistrySnapshot Next, Outcome<ProvisionedConcurrencyRules.Target> Result) Put(RegistrySnapshot snapshot, string? qualifier, int? requested, string function = Fn) =>
        ProvisionedConcurrencyRules.Put(snapshot, function, ArnOf(function), qualifier, requested, Now, Limits);

    private static void AssertError(LambdaError? error, int status, string type, string message)
    {
        Assert.NotNull(error);
        Assert.Equal(status, error.Status);
        Assert.Equal(type, error.ErrorType);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Put_on_a_version_is_in_progress_until_the_host_has_the_environments_ready()
    {
        var (next, result) = Put(Snapshot(Function(Fn, published: 1)), "1", 2);
        Assert.True(result.IsOk);
        Assert.True(next.TryGet(Fn, out var function));
        Assert.Equal(2, function.ProvisionedConcurrency["1"].Requested);

        var status = new FakeStatus();
        var starting = ProvisionedConcurrencyRules.Describe(result.Value, status, withArn: false);
        Assert.Equal("IN_PROGRESS", starting.Status);
        Assert.Equal(0, starting.AllocatedProvisionedConcurrentExecutions);
        Assert.Equal("2019-12-31T20:28:49+0000", starting.LastModified);
        Assert.Null(starting.FunctionArn);

        status.Ready["fn:1"] = 1;
        Assert.Equal("IN_PROGRESS", ProvisionedConcurrencyRules.Describe(result.Value, status, false).Status);
        status.Ready["fn:1"] = 3; // more than requested (another config on the same version) counts as the request
        var ready = ProvisionedConcurrencyRules.Describe(result.Value, status, false);
        Assert.Equal("READY", ready.Status);
        Assert.Equal(2, ready.AllocatedProvisionedConcurrentExecutions);
        Assert.Equal(2, ready.AvailableProvisionedConcurrentExecutions);
    }

    [Fact]
    public void The_answer_leaves_out_FunctionArn_and_StatusReason_when_it_has_none()
    {
        var (_, result) = Put(Snapshot(Function(Fn, published: 1)), "1", 1);
        string json = System.Text.Json.JsonSerializer.Serialize(ProvisionedConcurrencyRules.Describe(result.Value, new FakeStatus(), false), ManagementJsonContext.Wire.ProvisionedConcurrencyConfig);
        Assert.Equal("{\"RequestedProvisionedConcurrentExecutions\":1,\"AvailableProvisionedConcurrentExecutions\":0,\"AllocatedProvisionedConcurrentExecutions\":0,\"Status\":\"IN_PROGRESS\",\"LastModified\":\"2019-12-31T20:28:49+0000\"}", json);
    }

    [Fact]
    public void An_alias_with_weights_is_refused_in_AWSs_words()
    {
        // "You can't manage provisioned concurrency settings on the alias while the routing configuration is in place"
        // (provisioned-concurrency.html); the words as a user quoted AWS (hashicorp/terraform#24957).
        var snapshot = Snapshot(Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1", "2", 0.5)));
        AssertError(Put(snapshot, "live", 4).Result.Error, 400, "InvalidParameterValueException", "Alias with weights can not be used with Provisioned Concurrency");
    }

    [Fact]
    public void Two_aliases_cannot_provision_one_version()
    {
        // "Two aliases can't allocate provisioned concurrency for the same version" (provisioned-concurrency.html).
        var snapshot = Snapshot(Function(Fn, published: 1).WithAlias(Alias(Fn, "live", "1")).WithAlias(Alias(Fn, "live2", "1")).WithProvisioned("live", 3));
        AssertError(Put(snapshot, "live2", 1).Result.Error, 409, "ResourceConflictException", "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
    }

    [Fact]
    public void An_alias_counts_the_environments_of_both_its_versions()
    {
        // Weights given after the config (UpdateAlias): the config counts both versions' environments.
        var snapshot = Snapshot(Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1", "2", 0.5)).WithProvisioned("live", 4));
        var target = ProvisionedConcurrencyRules.Get(snapshot, Fn, FnArn, "live");
        var status = new FakeStatus { Ready = { ["fn:1"] = 2, ["fn:2"] = 2 } };
        var config = ProvisionedConcurrencyRules.Describe(target.Value, status, withArn: true);
        Assert.Equal("READY", config.Status);
        Assert.Equal(FnArn + ":live", config.FunctionArn);
    }

    [Theory]
    [InlineData(0, "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1")]
    [InlineData(null, "1 validation error detected: Value null at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must not be null")]
    public void The_count_is_at_least_one(int? requested, string message)
    {
        AssertError(Put(Snapshot(Function(Fn, published: 1)), "1", requested).Result.Error, 400, "ValidationException", message);
    }

    [Fact]
    public void LATEST_is_refused_in_each_operations_words()
    {
        var snapshot = Snapshot(Function(Fn, published: 1));
        AssertError(Put(snapshot, "$LATEST", 1).Result.Error, 400, "InvalidParameterValueException", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
        AssertError(ProvisionedConcurrencyRules.Get(snapshot, Fn, FnArn, "$LATEST").Error, 400, "InvalidParameterValueException", "The function resource provided must be an alias or a published version.");
        AssertError(ProvisionedConcurrencyRules.Delete(snapshot, Fn, FnArn, "$LATEST").Result.Error, 400, "InvalidParameterValueException", "The function resource provided must be an alias or a published version.");
    }

    [Fact]
    public void Missing_versions_aliases_and_functions_are_named_as_AWS_names_them()
    {
        var snapshot = Snapshot(Function(Fn, published: 1));
        AssertError(Put(snapshot, "10", 1).Result.Error, 404, "ResourceNotFoundException", $"Function not found: {FnArn}:10");
        AssertError(Put(snapshot, "doesnotexist", 1).Result.Error, 404, "ResourceNotFoundException", $"Cannot find alias arn: {FnArn}:doesnotexist");
        AssertError(Put(snapshot, "noalias", 1, "doesnotexist").Result.Error, 404, "ResourceNotFoundException", $"Cannot find alias arn: {ArnOf("doesnotexist")}:noalias");
        AssertError(Put(snapshot, "1", 1, "doesnotexist").Result.Error, 404, "ResourceNotFoundException", $"Function not found: {ArnOf("doesnotexist")}:1");
        AssertError(ProvisionedConcurrencyRules.Get(snapshot, Fn, FnArn, "10").Error, 404, "ResourceNotFoundException", $"Function not found: {FnArn}:10");
        AssertError(ProvisionedConcurrencyRules.Delete(snapshot, Fn, FnArn, "noalias").Result.Error, 404, "ResourceNotFoundException", $"Cannot find alias arn: {FnArn}:noalias");
        AssertError(ProvisionedConcurrencyRules.List(snapshot, "doesnotexist", ArnOf("doesnotexist")).Error, 404, "ResourceNotFoundException", $"Function not found: {ArnOf("doesnotexist")}");
    }

    [Fact]
    public void Get_without_a_config_is_its_own_404_and_Delete_without_one_succeeds()
    {
        var snapshot = Snapshot(Function(Fn, published: 1));
        var error = ProvisionedConcurrencyRules.Get(snapshot, Fn, FnArn, "1").Error;
        AssertError(error, 404, "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function");
        Assert.Equal("User", error!.Type);
        Assert.False(error.CapitalMessage);

        var (same, deleted) = ProvisionedConcurrencyRules.Delete(snapshot, Fn, FnArn, "1");
        Assert.True(deleted.IsOk);
        Assert.False(deleted.Value);
        Assert.Same(snapshot, same);
    }

    [Fact]
    public void Delete_removes_the_config()
    {
        var snapshot = Snapshot(Function(Fn, published: 1).WithProvisioned("1", 1));
        var (next, deleted) = ProvisionedConcurrencyRules.Delete(snapshot, Fn, FnArn, "1");
        Assert.True(deleted.Value);
        Assert.True(next.TryGet(Fn, out var function));
        Assert.Empty(function.ProvisionedConcurrency);
    }

    [Fact]
    public void A_version_and_an_alias_pointing_at_it_cannot_both_be_provisioned()
    {
        var function = Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1")).WithAlias(Alias(Fn, "canary", "2", "1", 0.1));

        var versionFirst = Snapshot(function.WithProvisioned("1", 1));
        AssertError(Put(versionFirst, "live", 1).Result.Error, 409, "ResourceConflictException", "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
        AssertError(Put(versionFirst, "canary", 1).Result.Error, 400, "InvalidParameterValueException", "Alias with weights can not be used with Provisioned Concurrency");

        var aliasFirst = Snapshot(function.WithProvisioned("canary", 1));
        AssertError(Put(aliasFirst, "1", 1).Result.Error, 409, "ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias");
        AssertError(Put(aliasFirst, "2", 1).Result.Error, 409, "ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias");
        Assert.False(Put(aliasFirst, "1", 1).Result.Error!.CapitalMessage);
    }

    [Fact]
    public void Put_is_held_to_the_reservation()
    {
        var snapshot = Snapshot(Function(Fn, published: 2, reserved: 2).WithProvisioned("1", 2));
        AssertError(Put(snapshot, "2", 1).Result.Error, 400, "InvalidParameterValueException", "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function");
        Assert.True(Put(snapshot, "1", 2).Result.IsOk);
    }

    [Fact]
    public void List_is_in_FunctionArn_order_with_the_arns()
    {
        var snapshot = Snapshot(Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1")).WithProvisioned("live", 1).WithProvisioned("2", 1));
        var targets = ProvisionedConcurrencyRules.List(snapshot, Fn, FnArn).Value!;
        Assert.Equal([FnArn + ":2", FnArn + ":live"], targets.Select(ProvisionedConcurrencyRules.QualifiedArn));
        Assert.Empty(ProvisionedConcurrencyRules.List(Snapshot(Function(Fn)), Fn, FnArn).Value!);
    }

    [Fact]
    public void Put_on_an_alias_of_LATEST_is_refused_as_on_an_unpublished_version()
    {
        // An alias may point at $LATEST, but provisioned concurrency needs a published version under it (amplify-cli#4865
        // quotes AWS's refusal of exactly this case in these words).
        var snapshot = Snapshot(Function(Fn, published: 1).WithAlias(Alias(Fn, "live", "$LATEST")));
        var (next, result) = Put(snapshot, "live", 1);
        Assert.Same(snapshot, next);
        AssertError(result.Error, 400, "InvalidParameterValueException", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
    }
}
