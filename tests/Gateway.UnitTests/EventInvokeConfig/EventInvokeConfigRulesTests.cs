using Gateway.Async.EventInvokeConfig;

namespace Gateway.UnitTests.EventInvokeConfig;

public sealed class EventInvokeConfigRulesTests
{
    private static ConfigError? Limits(int? retries = null, int? age = null)
        => EventInvokeConfigRules.ValidateLimits(new EventInvokeConfigDocument { MaximumRetryAttempts = retries, MaximumEventAgeInSeconds = age });

    [Theory]
    [InlineData(0, 60)]
    [InlineData(2, 21600)]
    [InlineData(1, null)]
    [InlineData(null, 3600)]
    public void In_range(int? retries, int? age) => Assert.Null(Limits(retries, age));

    [Fact]
    public void Retries_above_two_with_AWSs_message()
    {
        var error = Limits(retries: 5)!.Value;
        Assert.Equal(ConfigErrorKind.Validation, error.Kind);
        Assert.Equal("1 validation error detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2", error.Message);
    }

    [Fact]
    public void Below_the_minimum()
    {
        Assert.Equal("1 validation error detected: Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0", Limits(retries: -1)!.Value.Message);
        Assert.Equal("1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60", Limits(age: 59)!.Value.Message);
    }

    [Fact]
    public void Several_violations_are_counted_and_joined()
        => Assert.Equal(
            "2 validation errors detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2; "
            + "Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600",
            Limits(3, 21601)!.Value.Message);

    [Fact]
    public void Nothing_specified()
    {
        var error = EventInvokeConfigRules.ValidateNotEmpty(new EventInvokeConfigDocument())!.Value;
        Assert.Equal(ConfigErrorKind.InvalidParameterValue, error.Kind);
        Assert.Equal("You must specify at least one of error handling or destination setting.", error.Message);
        Assert.Null(EventInvokeConfigRules.ValidateNotEmpty(new EventInvokeConfigDocument { DestinationConfig = new() }));
    }

    private static ConfigError? Destinations(string? onSuccess, string? onFailure)
        => EventInvokeConfigRules.ValidateDestinations("echo", onSuccess, onFailure, "us-east-1", "000000000000", name => name is "echo" or "audit");

    [Fact]
    public void Destinations_accepted()
    {
        Assert.Null(Destinations("arn:aws:lambda:us-east-1:000000000000:function:audit", "arn:aws:s3:::failures"));
        Assert.Null(Destinations("file:///tmp/ok", "https://example.com/failed"));
        Assert.Null(Destinations("", null)); // AWS's pattern admits "": no destination
    }

    [Fact]
    public void A_missing_destination_function_with_AWSs_message()
        => Assert.Equal("The destination ARN arn:aws:lambda:us-east-1:000000000000:function:nope is invalid.",
            Destinations(null, "arn:aws:lambda:us-east-1:000000000000:function:nope")!.Value.Message);

    [Fact]
    public void The_function_itself_with_AWSs_message()
        => Assert.Equal("You can't specify the function as a destination for itself.",
            Destinations("arn:aws:lambda:us-east-1:000000000000:function:echo", null)!.Value.Message);

    [Fact]
    public void An_unsupported_destination_names_the_accepted_forms()
    {
        var error = Destinations("arn:aws:iam:us-east-1:000000000000:role/x", null)!.Value;
        Assert.Equal(ConfigErrorKind.InvalidParameterValue, error.Kind);
        Assert.StartsWith("The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:iam:us-east-1:000000000000:role/x), onFailure=null) is invalid.", error.Message);
        Assert.Contains("file:///absolute/folder", error.Message);
        Assert.Contains("arn:aws:sqs:{region}:{account}:{queue}", error.Message);
    }

    [Fact]
    public void S3_only_on_failure()
        => Assert.Contains("S3 buckets are supported only for on-failure destinations.", Destinations("arn:aws:s3:::b", null)!.Value.Message);

    [Fact]
    public void Dead_letter_targets_are_queues_or_topics()
    {
        Assert.Null(EventInvokeConfigRules.ValidateDeadLetterTarget("arn:aws:sqs:us-east-1:000000000000:dlq", "us-east-1", "000000000000"));
        Assert.Null(EventInvokeConfigRules.ValidateDeadLetterTarget("arn:aws:sns:us-east-1:000000000000:dlq", "us-east-1", "000000000000"));
        Assert.Contains("not an SQS queue or SNS topic", EventInvokeConfigRules.ValidateDeadLetterTarget("arn:aws:s3:::b", "us-east-1", "000000000000"));
        Assert.NotNull(EventInvokeConfigRules.ValidateDeadLetterTarget("file:///tmp/dlq", "us-east-1", "000000000000"));
    }
}
