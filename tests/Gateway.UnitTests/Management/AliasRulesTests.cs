using Gateway.Functions.Registry;
using Gateway.Invoke;
using Gateway.Management;
using static Gateway.UnitTests.Management.Records;

namespace Gateway.UnitTests.Management;

/// <summary>CreateAlias/UpdateAlias/DeleteAlias/GetAlias/ListAliases against AWS's recorded answers (LocalStack's
/// AWS snapshots, test_lambda_api TestLambdaAlias, 2025-11).</summary>
public sealed class AliasRulesTests
{
    private const string Fn = "fn";
    private static readonly string FnArn = ArnOf(Fn);

    private static AliasDocument Doc(string? name = "live", string? version = "1", string? description = null, Dictionary<string, double>? weights = null, string? revision = null) => new()
    {
        Name = name,
        FunctionVersion = version,
        Description = description,
        RoutingConfig = weights is null ? null : new RoutingConfigDocument { AdditionalVersionWeights = weights },
        RevisionId = revision,
    };

    private static (RegistrySnapshot Next, Outcome<AliasRecord> Result) Create(RegistrySnapshot snapshot, AliasDocument document) =>
        AliasRules.Create(snapshot, Fn, FnArn, document, "rev-new");

    private static void AssertError(LambdaError? error, int status, string type, string message)
    {
        Assert.NotNull(error);
        Assert.Equal(status, error.Status);
        Assert.Equal(type, error.ErrorType);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Create_adds_the_alias_with_its_arn_weights_and_revision()
    {
        var snapshot = Snapshot(Function(Fn, published: 2));

        var (next, result) = Create(snapshot, Doc(description: "custom-alias", weights: new() { ["2"] = 0.2 }));

        Assert.True(result.IsOk);
        Assert.NotSame(snapshot, next);
        Assert.True(next.TryGet(Fn, out var function));
        var alias = function.Aliases["live"];
        Assert.Equal(FnArn + ":live", alias.Arn);
        Assert.Equal("1", alias.FunctionVersion);
        Assert.Equal("custom-alias", alias.Description);
        Assert.Equal(0.2, alias.AdditionalVersionWeights["2"]);
        Assert.Equal("rev-new", alias.RevisionId);
    }

    [Fact]
    public void Configuration_omits_RoutingConfig_without_weights_and_always_has_a_Description()
    {
        var plain = AliasConfiguration.From(Alias(Fn, "live", "1"));
        string json = System.Text.Json.JsonSerializer.Serialize(plain, ManagementJsonContext.Wire.AliasConfiguration);
        Assert.Equal("{\"AliasArn\":\"" + FnArn + ":live\",\"Name\":\"live\",\"FunctionVersion\":\"1\",\"Description\":\"\",\"RevisionId\":\"rev-live\"}", json);

        var weighted = AliasConfiguration.From(Alias(Fn, "live", "1", "2", 0.5));
        json = System.Text.Json.JsonSerializer.Serialize(weighted, ManagementJsonContext.Wire.AliasConfiguration);
        Assert.Contains("\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"2\":0.5}}", json);
    }

    [Fact]
    public void Create_may_point_at_LATEST_without_weights()
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 1)), Doc(name: "custom-latest", version: "$LATEST"));
        Assert.True(result.IsOk);
        Assert.Equal("$LATEST", result.Value!.FunctionVersion);
    }

    [Fact]
    public void Refusals_change_nothing()
    {
        var snapshot = Snapshot(Function(Fn, published: 1));
        var (next, result) = Create(snapshot, Doc(version: "10"));
        Assert.False(result.IsOk);
        Assert.Same(snapshot, next);
    }

    [Theory]
    [InlineData("2024", "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")]
    [InlineData("a.b", "1 validation error detected: Value 'a.b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")]
    public void Alias_names_follow_the_model(string name, string message)
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 1)), Doc(name: name));
        AssertError(result.Error, 400, "ValidationException", message);
        Assert.Null(result.Error!.Type); // AWS sends only {"message":…} for validation errors
    }

    [Fact]
    public void Dates_and_leading_digits_are_alias_names()
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 1)), Doc(name: "2024-01-02"));
        Assert.True(result.IsOk);
    }

    [Fact]
    public void A_name_longer_than_128_is_refused_for_its_length()
    {
        string name = new('a', 129);
        var (_, result) = Create(Snapshot(Function(Fn, published: 1)), Doc(name: name));
        AssertError(result.Error, 400, "ValidationException", $"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 128");
    }

    [Fact]
    public void Missing_required_members_are_reported_together()
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 1)), Doc(name: null, version: null));
        AssertError(result.Error, 400, "ValidationException",
            "2 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; Value null at 'functionVersion' failed to satisfy constraint: Member must not be null");
    }

    [Fact]
    public void A_description_over_256_characters_is_refused()
    {
        string description = new('d', 257);
        var (_, result) = Create(Snapshot(Function(Fn, published: 1)), Doc(description: description));
        AssertError(result.Error, 400, "ValidationException", $"1 validation error detected: Value '{description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256");
    }

    [Theory]
    [InlineData(2.0, "{2=2.0}")]
    [InlineData(-1.0, "{2=-1.0}")]
    public void Weights_outside_zero_to_one_are_a_validation_error(double weight, string map)
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 2)), Doc(weights: new() { ["2"] = weight }));
        AssertError(result.Error, 400, "ValidationException",
            $"1 validation error detected: Value '{map}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]");
    }

    [Fact]
    public void LATEST_as_the_additional_version_is_a_validation_error()
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 2)), Doc(weights: new() { ["$LATEST"] = 0.5 }));
        AssertError(result.Error, 400, "ValidationException",
            "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]");
    }

    [Fact]
    public void More_than_one_additional_version_is_refused()
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 2)), Doc(weights: new() { ["1"] = 0.8, ["2"] = 0.2 }));
        AssertError(result.Error, 400, "InvalidParameterValueException", "Number of items in AdditionalVersionWeights cannot be greater than 1");
        Assert.Equal("User", result.Error!.Type);
        Assert.False(result.Error.CapitalMessage);
    }

    [Fact]
    public void The_additional_version_must_differ_from_the_alias_version()
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 2)), Doc(weights: new() { ["1"] = 0.5 }));
        AssertError(result.Error, 400, "InvalidParameterValueException", "Invalid function version 1. Function version 1 is already included in routing configuration.");
    }

    [Fact]
    public void A_weighted_alias_cannot_point_at_LATEST()
    {
        var (_, result) = Create(Snapshot(Function(Fn, published: 2)), Doc(version: "$LATEST", weights: new() { ["1"] = 0.5 }));
        AssertError(result.Error, 400, "InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version");
        Assert.Null(result.Error!.Type); // recorded without "Type"
    }

    [Fact]
    public void A_missing_version_or_function_is_named_with_the_version()
    {
        var snapshot = Snapshot(Function(Fn, published: 2));

        AssertError(Create(snapshot, Doc(version: "10", weights: new() { ["2"] = 0.5 })).Result.Error, 404, "ResourceNotFoundException", $"Function not found: {FnArn}:10");
        AssertError(Create(snapshot, Doc(version: "1", weights: new() { ["10"] = 0.5 })).Result.Error, 404, "ResourceNotFoundException", $"Function not found: {FnArn}:10");
        var (_, missing) = AliasRules.Create(snapshot, "fn-unknown", ArnOf("fn-unknown"), Doc(), "r");
        AssertError(missing.Error, 404, "ResourceNotFoundException", $"Function not found: {ArnOf("fn-unknown")}:1");
    }

    [Fact]
    public void A_second_alias_of_the_same_name_conflicts()
    {
        var snapshot = Snapshot(Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1")));
        var (_, result) = Create(snapshot, Doc());
        AssertError(result.Error, 409, "ResourceConflictException", $"Alias already exists: {FnArn}:live");
        Assert.False(result.Error!.CapitalMessage); // recorded as "message", with "Type":"User"
        Assert.Equal("User", result.Error.Type);
    }

    [Fact]
    public void Both_versions_of_a_weighted_alias_need_the_same_role_and_dead_letter_queue()
    {
        var function = Function(Fn, published: 1);
        function = function with { Versions = function.Versions.SetItem("2", Version(Fn, "2", role: "arn:aws:iam::000000000000:role/other")) };
        var (_, role) = Create(Snapshot(function), Doc(weights: new() { ["2"] = 0.5 }));
        AssertError(role.Error, 400, "InvalidParameterValueException", "Specified versions must be associated with the same execution role");

        function = function with { Versions = function.Versions.SetItem("2", Version(Fn, "2", deadLetter: "arn:aws:sqs:us-east-1:000000000000:dlq")) };
        var (_, deadLetter) = Create(Snapshot(function), Doc(weights: new() { ["2"] = 0.5 }));
        Assert.Equal(400, deadLetter.Error!.Status);
    }

    [Fact]
    public void Update_keeps_absent_members_and_always_renews_the_revision()
    {
        var snapshot = Snapshot(Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1", "2", 0.2) with { Description = "d" }));

        var (next, result) = AliasRules.Update(snapshot, Fn, FnArn, "live", new AliasDocument(), "rev-2");

        Assert.True(result.IsOk);
        Assert.Equal("1", result.Value!.FunctionVersion);
        Assert.Equal("d", result.Value.Description);
        Assert.Equal(0.2, result.Value.AdditionalVersionWeights["2"]);
        Assert.Equal("rev-2", result.Value.RevisionId);
        Assert.True(next.TryGet(Fn, out var function));
        Assert.Same(result.Value, function.Aliases["live"]);
    }

    [Fact]
    public void Update_with_empty_weights_removes_the_routing()
    {
        var snapshot = Snapshot(Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1", "2", 0.2)));
        var (_, result) = AliasRules.Update(snapshot, Fn, FnArn, "live", Doc(name: null, version: null, weights: []), "rev-2");
        Assert.True(result.Value!.AdditionalVersionWeights.IsEmpty);
        Assert.Null(AliasConfiguration.From(result.Value).RoutingConfig);
    }

    [Fact]
    public void Update_checks_the_routing_against_the_new_version()
    {
        var snapshot = Snapshot(Function(Fn, published: 2).WithAlias(Alias(Fn, "live", "1", "2", 0.2)));
        var (_, result) = AliasRules.Update(snapshot, Fn, FnArn, "live", Doc(name: null, version: "2"), "rev-2");
        AssertError(result.Error, 400, "InvalidParameterValueException", "Invalid function version 2. Function version 2 is already included in routing configuration.");
    }

    [Fact]
    public void Update_with_a_stale_revision_fails_its_precondition()
    {
        var snapshot = Snapshot(Function(Fn, published: 1).WithAlias(Alias(Fn, "live", "1")));
        var (next, result) = AliasRules.Update(snapshot, Fn, FnArn, "live", Doc(name: null, version: null, revision: "wrong"), "rev-2");
        AssertError(result.Error, 412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
        Assert.Same(snapshot, next);

        var (_, matching) = AliasRules.Update(snapshot, Fn, FnArn, "live", Doc(name: null, version: null, revision: "rev-live"), "rev-2");
        Assert.True(matching.IsOk);
    }

    [Fact]
    public void Update_and_Get_of_a_missing_alias_say_so_in_their_own_words()
    {
        var snapshot = Snapshot(Function(Fn, published: 1));
        AssertError(AliasRules.Update(snapshot, Fn, FnArn, "non-existent", new AliasDocument(), "r").Result.Error, 404, "ResourceNotFoundException", $"Alias not found: {FnArn}:non-existent");
        AssertError(AliasRules.Get(snapshot, Fn, FnArn, "non-existent").Error, 404, "ResourceNotFoundException", $"Cannot find alias arn: {FnArn}:non-existent");
    }

    [Fact]
    public void Delete_removes_the_alias_and_its_provisioned_concurrency_and_ignores_a_missing_one()
    {
        var snapshot = Snapshot(Function(Fn, published: 1).WithAlias(Alias(Fn, "live", "1")).WithProvisioned("live", 2).WithProvisioned("1", 1));

        var (next, result) = AliasRules.Delete(snapshot, Fn, FnArn, "live");
        Assert.True(result.Value);
        Assert.True(next.TryGet(Fn, out var function));
        Assert.Empty(function.Aliases);
        Assert.Equal(["1"], function.ProvisionedConcurrency.Keys);

        var (unchanged, missing) = AliasRules.Delete(next, Fn, FnArn, "live");
        Assert.True(missing.IsOk);
        Assert.Same(next, unchanged);

        AssertError(AliasRules.Delete(next, "nope", ArnOf("nope"), "live").Result.Error, 404, "ResourceNotFoundException", $"Function not found: {ArnOf("nope")}");
    }

    [Fact]
    public void List_is_by_name_and_filters_by_version()
    {
        var function = Function(Fn, published: 2)
            .WithAlias(Alias(Fn, "b", "1"))
            .WithAlias(Alias(Fn, "a", "1"))
            .WithAlias(Alias(Fn, "c", "2"));
        var snapshot = Snapshot(function);

        Assert.Equal(["a", "b", "c"], AliasRules.List(snapshot, Fn, FnArn, null).Value!.Select(a => a.Name));
        Assert.Equal(["a", "b"], AliasRules.List(snapshot, Fn, FnArn, "1").Value!.Select(a => a.Name));
        Assert.Equal(400, AliasRules.List(snapshot, Fn, FnArn, "x").Error!.Status);
    }
}
