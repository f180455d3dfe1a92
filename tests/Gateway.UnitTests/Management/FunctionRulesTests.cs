using Gateway.Invoke;
using Gateway.Management;

namespace Gateway.UnitTests.Management;

/// <summary>CreateFunction/Update* checks against AWS's exceptions and messages as recorded from real AWS by LocalStack
/// (test_lambda_api.snapshot.json).</summary>
public class FunctionRulesTests
{
    private const string CreatePattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";

    [Theory]
    [InlineData("my-function!")]
    [InlineData("*")]
    [InlineData("invalid:function:name")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:my-function:1:2")]
    [InlineData("function.with.dots")]
    public void A_create_name_off_the_pattern_is_AWS_validation_message(string name)
    {
        var error = FunctionRules.ValidateCreateName(name, out _);
        Assert.Equal(new LambdaError(400, "ValidationException",
            $"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {CreatePattern}", false, null), error);
    }

    [Fact]
    public void A_create_name_over_64_characters_is_an_InvalidParameterValueException()
    {
        var name = new string('a', 65);
        var error = FunctionRules.ValidateCreateName(name, out _);
        Assert.Equal("InvalidParameterValueException", error!.ErrorType);
        Assert.Equal($"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64", error.Message);
        Assert.Null(FunctionRules.ValidateCreateName(new string('a', 64), out var ok));
        Assert.Equal(new string('a', 64), ok.Name);
    }

    [Fact]
    public void A_create_name_over_140_characters_and_off_the_pattern_is_two_errors_in_one()
    {
        var name = "arn:aws:lambda:invalid-region:000000000000:function:" + new string('a', 100);
        var error = FunctionRules.ValidateCreateName(name, out _);
        Assert.Equal("ValidationException", error!.ErrorType);
        Assert.StartsWith("2 validation errors detected: Value '" + name + "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140; Value '", error.Message);
    }

    [Fact]
    public void A_full_arn_names_the_function()
    {
        Assert.Null(FunctionRules.ValidateCreateName("arn:aws:lambda:us-east-1:000000000000:function:fn", out var reference));
        Assert.Equal("fn", reference.Name);
        Assert.Equal("us-east-1", reference.Region);
    }

    [Fact]
    public void A_role_off_the_pattern_is_AWS_message()
    {
        var errors = new ValidationErrors();
        FunctionRules.CheckRole("r1", errors);
        Assert.Equal(@"1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+", errors.ToError()!.Message);

        var fine = new ValidationErrors();
        FunctionRules.CheckRole("arn:aws:iam::123456789012:role/service-role/my-role", fine);
        Assert.Null(fine.ToError());
    }

    [Fact]
    public void A_missing_role_is_a_not_null_violation()
    {
        var errors = new ValidationErrors();
        FunctionRules.CheckRole(null, errors);
        Assert.Equal("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null", errors.ToError()!.Message);
    }

    [Theory]
    [InlineData("non-existent-runtime")]
    [InlineData("PYTHON3.9")]
    public void A_runtime_outside_AWS_list_is_AWS_enum_message(string runtime)
    {
        var error = FunctionRules.ValidateRuntime(runtime, NoRuntimeFiles)!;
        Assert.Equal("InvalidParameterValueException", error.ErrorType);
        Assert.Equal($"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2] or be a valid ARN", error.Message);
    }

    [Theory]
    [InlineData("go1.x")]
    [InlineData("provided")]
    [InlineData("python3.7")]
    public void A_retired_runtime_is_AWS_no_longer_supported_message(string runtime)
    {
        Assert.Equal($"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.",
            FunctionRules.ValidateRuntime(runtime, NoRuntimeFiles)!.Message);
    }

    [Theory]
    [InlineData("python3.14")]
    [InlineData("nodejs24.x")]
    [InlineData("java21")]
    [InlineData("dotnet8")]
    [InlineData("ruby3.3")]
    public void A_current_AWS_runtime_this_gateway_does_not_run_is_refused_saying_so(string runtime)
    {
        var error = FunctionRules.ValidateRuntime(runtime, NoRuntimeFiles)!;
        Assert.Equal("InvalidParameterValueException", error.ErrorType);
        Assert.StartsWith($"The runtime parameter of {runtime} is not supported for creating or updating functions on this gateway.", error.Message);
        Assert.Contains("provided.al2023", error.Message);
    }

    [Theory]
    [InlineData("nodejs20.x")]
    [InlineData("python3.12")]
    public void A_managed_runtime_whose_files_or_interpreter_are_missing_is_refused_at_create(string runtime)
    {
        var error = FunctionRules.ValidateRuntime(runtime, NoRuntimeFiles)!;
        Assert.Equal("InvalidParameterValueException", error.ErrorType);
        Assert.StartsWith($"The runtime parameter of {runtime} is not available on this gateway: ", error.Message);
    }

    [Theory]
    [InlineData("provided.al2023")]
    [InlineData("provided.al2")]
    public void The_OS_only_runtimes_are_accepted(string runtime) => Assert.Null(FunctionRules.ValidateRuntime(runtime, NoRuntimeFiles));

    /// <summary>A catalog whose runtimes folder does not exist: only the OS-only runtimes are available.</summary>
    private static readonly Gateway.Runtimes.RuntimeCatalog NoRuntimeFiles =
        new(Path.Combine(Path.GetTempPath(), "gateway-no-runtimes-" + Guid.NewGuid().ToString("N")), _ => { });

    [Fact]
    public void Out_of_range_members_are_reported_together_as_AWS_does()
    {
        var errors = new ValidationErrors();
        FunctionRules.CheckTimeout(0, errors);
        FunctionRules.CheckMemorySize(10241, errors);
        FunctionRules.CheckEphemeralStorage(new EphemeralStorage { Size = 511 }, errors);
        Assert.Equal("3 validation errors detected: "
            + "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; "
            + "Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240; "
            + "Value '511' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512",
            errors.ToError()!.Message);
    }

    [Theory]
    [InlineData(1, 128, 512)]
    [InlineData(900, 10240, 10240)]
    public void The_limits_themselves_are_accepted(int timeout, int memory, int storage)
    {
        var errors = new ValidationErrors();
        FunctionRules.CheckTimeout(timeout, errors);
        FunctionRules.CheckMemorySize(memory, errors);
        FunctionRules.CheckEphemeralStorage(new EphemeralStorage { Size = storage }, errors);
        Assert.Null(errors.ToError());
    }

    [Fact]
    public void A_timeout_over_900_seconds_is_refused()
    {
        var errors = new ValidationErrors();
        FunctionRules.CheckTimeout(901, errors);
        Assert.Equal("1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900", errors.ToError()!.Message);
    }

    [Fact]
    public void Architectures_follow_AWS_messages_and_arm64_is_refused_here()
    {
        var two = new ValidationErrors();
        Assert.Null(FunctionRules.ValidateArchitectures(["x86_64", "arm64"], two));
        Assert.Equal("1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1", two.ToError()!.Message);

        var upper = new ValidationErrors();
        Assert.Null(FunctionRules.ValidateArchitectures(["X86_64"], upper));
        Assert.Equal("1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]", upper.ToError()!.Message);

        var arm = FunctionRules.ValidateArchitectures(["arm64"], new ValidationErrors());
        Assert.Equal("InvalidParameterValueException", arm!.ErrorType);
        Assert.Contains("x86_64", arm.Message);

        Assert.Null(FunctionRules.ValidateArchitectures(["x86_64"], new ValidationErrors()));
    }

    [Fact]
    public void Only_an_inline_zip_is_accepted_as_code()
    {
        Assert.Null(FunctionRules.ValidateCodeSource("", null, null, null, null));
        Assert.Null(FunctionRules.ValidateCodeSource("", null, null, null, "Zip"));

        var s3 = FunctionRules.ValidateCodeSource(null, "bucket", "key.zip", null, null)!;
        Assert.Equal("InvalidParameterValueException", s3.ErrorType);
        Assert.StartsWith("This gateway accepts Code.ZipFile only", s3.Message);

        var image = FunctionRules.ValidateCodeSource(null, null, null, "123.dkr.ecr.us-east-1.amazonaws.com/x:1", "Image")!;
        Assert.Equal("InvalidParameterValueException", image.ErrorType);
        Assert.StartsWith("This gateway accepts Code.ZipFile only", image.Message);

        Assert.Equal("InvalidParameterValueException", FunctionRules.ValidateCodeSource(null, null, null, null, null)!.ErrorType);
        Assert.Equal("ValidationException", FunctionRules.ValidateCodeSource("", null, null, null, "Jar")!.ErrorType);
    }

    [Fact]
    public void Environment_and_dead_letter_reuse_the_shared_rules()
    {
        var reserved = FunctionRules.ValidateEnvironment(new EnvironmentRequest { Variables = new() { ["AWS_REGION"] = "x" } })!;
        Assert.Equal("InvalidParameterValueException", reserved.ErrorType);
        Assert.EndsWith("Reserved keys used in this request: AWS_REGION", reserved.Message);
        Assert.Null(FunctionRules.ValidateEnvironment(new EnvironmentRequest { Variables = new() { ["GREETING"] = "hi" } }));

        Assert.Null(FunctionRules.ValidateDeadLetter(new DeadLetterConfig { TargetArn = "arn:aws:sqs:us-east-1:000000000000:dlq" }, "us-east-1", "000000000000"));
        Assert.Null(FunctionRules.ValidateDeadLetter(new DeadLetterConfig { TargetArn = "" }, "us-east-1", "000000000000"));
        Assert.Equal("InvalidParameterValueException",
            FunctionRules.ValidateDeadLetter(new DeadLetterConfig { TargetArn = "arn:aws:lambda:us-east-1:000000000000:function:f" }, "us-east-1", "000000000000")!.ErrorType);
        // Not an ARN at all (a bare queue name): the model's ResourceArn pattern, a ValidationException.
        var errors = new ValidationErrors();
        FunctionRules.CheckMemorySize(1, errors);
        FunctionRules.CheckDeadLetterPattern(new DeadLetterConfig { TargetArn = "my-dlq" }, errors);
        var error = errors.ToError()!;
        Assert.Equal("ValidationException", error.ErrorType);
        Assert.StartsWith("2 validation errors detected: Value '1' at 'memorySize'", error.Message);
        Assert.EndsWith("; Value 'my-dlq' at 'deadLetterConfig.targetArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()", error.Message);
        Assert.Null(FunctionRules.ValidateDeadLetter(new DeadLetterConfig { TargetArn = "my-dlq" }, "us-east-1", "000000000000")); // the pattern's, not this one's
    }

    [Fact]
    public void More_than_50_tags_is_AWS_tag_limit_message()
    {
        Assert.Null(FunctionRules.ValidateTagCount(50));
        Assert.Equal("Number of tags exceeds resource tag limit.", FunctionRules.ValidateTagCount(51)!.Message);
    }
}
