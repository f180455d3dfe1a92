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
    public void A_service_AWS_does_not_send_records_to_gets_AWSs_sentence_alone()
    {
        // LS-REC test_lambda_eventinvokeconfig_exceptions: put_destination_invalid_service_arn.
        var error = Destinations("arn:aws:iam:us-east-1:000000000000:function:x", null)!.Value;
        Assert.Equal(ConfigErrorKind.InvalidParameterValue, error.Kind);
        Assert.Equal("The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:iam:us-east-1:000000000000:function:x), onFailure=null) is invalid.", error.Message);
        Assert.Equal("The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=kafka://broker)) is invalid.",
            Destinations(null, "kafka://broker")!.Value.Message);
    }

    [Fact]
    public void A_gateway_refusal_of_an_AWS_service_says_why_and_names_the_accepted_forms()
    {
        var error = Destinations("arn:aws:sqs:eu-west-1:000000000000:q", null)!.Value; // another region than the gateway's
        Assert.Equal(ConfigErrorKind.InvalidParameterValue, error.Kind);
        Assert.StartsWith("The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:sqs:eu-west-1:000000000000:q), onFailure=null) is invalid. ", error.Message);
        Assert.Contains("file:///absolute/folder", error.Message);
        Assert.Contains("arn:aws:sqs:{region}:{account}:{queue}", error.Message);
    }

    [Theory]
    [InlineData("arn:aws:_-/!lambda:us-east-1:000000000000:function:x")]
    [InlineData("foo")]
    [InlineData("kafka://.starts-with-a-dot")]
    public void A_destination_outside_AWSs_pattern_is_a_ValidationException_quoting_it(string destination)
    {
        // LS-REC test_lambda_eventinvokeconfig_exceptions: put_destination_invalid_arn_pattern.
        var error = EventInvokeConfigRules.ValidateLimits(new EventInvokeConfigDocument
        {
            DestinationConfig = new DestinationConfigDocument { OnFailure = new DestinationDocument { Destination = destination } },
        })!.Value;
        Assert.Equal(ConfigErrorKind.Validation, error.Kind);
        Assert.Equal($"1 validation error detected: Value '{destination}' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: "
            + @"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("arn:aws:sqs:us-east-1:000000000000:q")]
    [InlineData("arn:aws:s3:::bucket")]
    [InlineData("kafka://broker")]
    [InlineData("file:///tmp/records")]
    [InlineData("https://example.com/records")]
    public void AWSs_pattern_and_the_gateways_own_forms_pass_the_model_check(string destination)
        => Assert.Null(EventInvokeConfigRules.ValidateLimits(new EventInvokeConfigDocument
        {
            DestinationConfig = new DestinationConfigDocument { OnSuccess = new DestinationDocument { Destination = destination } },
        }));

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
