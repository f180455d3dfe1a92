using Gateway.Functions.Registry;
using Gateway.Invoke;
using Gateway.Management;
using static Gateway.UnitTests.Management.Records;

namespace Gateway.UnitTests.Management;

/// <summary>
/// The settings IaC tools write around a function: recursion (LS-REC TestLambdaRecursion), runtime management (the
/// model's constraints) and code signing (LS-REC test_code_signing_not_found_excs), and their persisted form.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FunctionSettingsRulesTests
{
    private const string RuntimeArn = "arn:aws:lambda:us-east-1::runtime:abc123";
    private const string CscArn = "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdefx";

    [Fact]
    public void Recursion_is_validated_as_recorded_and_stored_once()
    {
        Assert.Null(RecursionRules.Validate("Allow"));
        Assert.Null(RecursionRules.Validate("Terminate"));
        var invalid = RecursionRules.Validate("InvalidValue")!;
        Assert.Equal(("ValidationException", 400, (string?)null), (invalid.ErrorType, invalid.Status, invalid.Type));
        Assert.Equal("1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]", invalid.Message);
        Assert.Equal("1 validation error detected: Value null at 'recursiveLoop' failed to satisfy constraint: Member must not be null", RecursionRules.Validate(null)!.Message);

        var snapshot = Snapshot(Function("fn"));
        Assert.True(snapshot.TryGet("fn", out var before));
        Assert.Equal("Terminate", before.RecursiveLoop);
        var (allowed, result) = RecursionRules.Put(snapshot, "fn", ArnOf("fn"), "Allow");
        Assert.Equal("Allow", result.Value);
        Assert.True(allowed.TryGet("fn", out var after));
        Assert.Equal(("Allow", FunctionOrigin.Api), (after.RecursiveLoop, after.Origin));
        Assert.Same(allowed, RecursionRules.Put(allowed, "fn", ArnOf("fn"), "Allow").Next); // unchanged: nothing to persist

        var (_, missing) = RecursionRules.Put(snapshot, "nope", ArnOf("nope"), "Allow");
        Assert.Equal(("ResourceNotFoundException", "Function not found: " + ArnOf("nope")), (missing.Error!.ErrorType, missing.Error.Message));
    }

    [Fact]
    public void Runtime_management_checks_the_model_then_pairs_mode_and_arn()
    {
        Assert.Null(RuntimeManagementRules.Validate("Auto", null));
        Assert.Null(RuntimeManagementRules.Validate("FunctionUpdate", null));
        Assert.Null(RuntimeManagementRules.Validate("Manual", RuntimeArn));
        Assert.Equal("1 validation error detected: Value 'auto' at 'updateRuntimeOn' failed to satisfy constraint: Member must satisfy enum value set: [Auto, Manual, FunctionUpdate]",
            RuntimeManagementRules.Validate("auto", null)!.Message);
        Assert.Equal("1 validation error detected: Value null at 'updateRuntimeOn' failed to satisfy constraint: Member must not be null",
            RuntimeManagementRules.Validate(null, null)!.Message);
        var badArn = RuntimeManagementRules.Validate("Manual", "arn:aws:lambda:us-east-1:000000000000:function:x")!;
        Assert.Equal("ValidationException", badArn.ErrorType);
        Assert.EndsWith("at 'runtimeVersionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " + RuntimeManagementRules.RuntimeVersionArnPattern, badArn.Message);
        Assert.Equal(RuntimeManagementRules.ManualNeedsArn, RuntimeManagementRules.Validate("Manual", null)!.Message);
        Assert.Equal(RuntimeManagementRules.ArnOnlyWithManual, RuntimeManagementRules.Validate("Auto", RuntimeArn)!.Message);
    }

    [Fact]
    public void Runtime_management_is_kept_per_version()
    {
        var snapshot = Snapshot(Function("fn", published: 1));
        var (pinned, result) = RuntimeManagementRules.Put(snapshot, "fn", ArnOf("fn"), "$LATEST", "Manual", RuntimeArn);
        Assert.Equal(("Manual", RuntimeArn), (result.Value!.UpdateRuntimeOn, result.Value.RuntimeVersionArn));
        var (both, _) = RuntimeManagementRules.Put(pinned, "fn", ArnOf("fn"), "1", "FunctionUpdate", null);
        Assert.True(both.TryGet("fn", out var function));
        Assert.Equal(("Manual", RuntimeArn), (function.Latest.UpdateRuntimeOn, function.Latest.RuntimeVersionArn));
        Assert.Equal(("FunctionUpdate", (string?)null), (function.Versions["1"].UpdateRuntimeOn, function.Versions["1"].RuntimeVersionArn));
        Assert.Same(both, RuntimeManagementRules.Put(both, "fn", ArnOf("fn"), "1", "FunctionUpdate", null).Next);

        var (_, missing) = RuntimeManagementRules.Put(snapshot, "fn", ArnOf("fn"), "7", "Auto", null);
        Assert.Equal("Function not found: " + ArnOf("fn") + ":7", missing.Error!.Message);
    }

    [Fact]
    public void Settings_survive_the_persisted_document_and_defaults_stay_out_of_it()
    {
        var function = Function("fn", published: 1);
        var stored = PersistedFunction.From(function);
        Assert.Null(stored.RecursiveLoop);
        Assert.Null(stored.Latest.UpdateRuntimeOn);
        var back = stored.ToRecord();
        Assert.Equal(("Terminate", "Auto"), (back.RecursiveLoop, back.Latest.UpdateRuntimeOn));

        var set = function with
        {
            RecursiveLoop = "Allow",
            Latest = function.Latest with { UpdateRuntimeOn = "Manual", RuntimeVersionArn = RuntimeArn },
        };
        string json = System.Text.Json.JsonSerializer.Serialize(PersistedFunction.From(set), RegistryJsonContext.Default.PersistedFunction);
        var read = System.Text.Json.JsonSerializer.Deserialize(json, RegistryJsonContext.Default.PersistedFunction)!.ToRecord();
        Assert.Equal("Allow", read.RecursiveLoop);
        Assert.Equal(("Manual", RuntimeArn), (read.Latest.UpdateRuntimeOn, read.Latest.RuntimeVersionArn));
        Assert.Equal("Auto", read.Versions["1"].UpdateRuntimeOn);
    }

    [Fact]
    public void Code_signing_configs_are_refused_with_AWS_recorded_errors()
    {
        var put = CodeSigningRules.RefusePut(CscArn);
        Assert.Equal((404, "CodeSigningConfigNotFoundException", true, (string?)"User"), (put.Status, put.ErrorType, put.CapitalMessage, put.Type));
        Assert.Equal($"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {CscArn}.", put.Message);

        var unknown = CodeSigningRules.UnknownConfig(CscArn);
        Assert.Equal((404, "ResourceNotFoundException", true, (string?)null), (unknown.Status, unknown.ErrorType, unknown.CapitalMessage, unknown.Type));
        Assert.Equal($"The Lambda code signing configuration {CscArn} can not be found.", unknown.Message);

        Assert.Equal("ValidationException", CodeSigningRules.UnknownConfig("csc-123").ErrorType);
        Assert.Equal("1 validation error detected: Value null at 'codeSigningConfigArn' failed to satisfy constraint: Member must not be null", CodeSigningRules.RefusePut(null).Message);
        Assert.Contains("Member must satisfy regular expression pattern", CodeSigningRules.RefusePut("arn:aws:lambda:us-east-1:000000000000:code-signing-config:x").Message);
    }
}
