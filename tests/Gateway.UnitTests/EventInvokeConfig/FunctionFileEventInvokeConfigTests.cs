using Gateway.Functions;

namespace Gateway.UnitTests.EventInvokeConfig;

/// <summary>EventInvokeConfig and DeadLetterConfig in a functions file: parsed into the definition, or refused at start.</summary>
public sealed class FunctionFileEventInvokeConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gateway-eic-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string WriteFile(string functionsJson)
    {
        Directory.CreateDirectory(Path.Combine(_root, "fn"));
        File.WriteAllText(Path.Combine(_root, "fn", "bootstrap"), "#!/bin/sh\n");
        var file = Path.Combine(_root, "functions.json");
        File.WriteAllText(file, "{ \"Functions\": [ " + functionsJson + " ] }");
        return file;
    }

    private List<FunctionDefinition> Load(string file) => FunctionConfigLoader.Load(file, "us-east-1", "000000000000");

    private string Fails(string functionsJson)
    {
        var file = WriteFile(functionsJson);
        return Assert.Throws<FunctionConfigurationException>(() => Load(file)).Message;
    }

    [Fact]
    public void Parsed_into_the_definition()
    {
        var file = WriteFile("""
            {
              "FunctionName": "orders", "Code": "fn",
              "EventInvokeConfig": {
                "MaximumRetryAttempts": 1,
                "MaximumEventAgeInSeconds": 600,
                "DestinationConfig": {
                  "OnSuccess": { "Destination": "arn:aws:lambda:us-east-1:000000000000:function:audit" },
                  "OnFailure": { "Destination": "file:///var/tmp/failed" }
                }
              },
              "DeadLetterConfig": { "TargetArn": "arn:aws:sqs:us-east-1:000000000000:orders-dlq" }
            },
            { "FunctionName": "audit", "Code": "fn" }
            """);

        var functions = Load(file);

        var orders = functions[0];
        Assert.Equal(1, orders.EventInvokeConfig!.MaximumRetryAttempts);
        Assert.Equal(600, orders.EventInvokeConfig.MaximumEventAgeInSeconds);
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:audit", orders.EventInvokeConfig.OnSuccess);
        Assert.Equal("file:///var/tmp/failed", orders.EventInvokeConfig.OnFailure);
        Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero), orders.EventInvokeConfig.LastModified);
        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:orders-dlq", orders.DeadLetterTargetArn);
        Assert.Null(functions[1].EventInvokeConfig);
        Assert.Null(functions[1].DeadLetterTargetArn);
    }

    [Fact]
    public void Out_of_range_is_refused_with_AWSs_message()
    {
        var message = Fails("""{ "FunctionName": "f", "Code": "fn", "EventInvokeConfig": { "MaximumRetryAttempts": 5 } }""");
        Assert.Equal($"{Path.Combine(_root, "functions.json")}: function 'f': EventInvokeConfig: ValidationException: 1 validation error detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2", message);

        Assert.Contains("Value '30' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
            Fails("""{ "FunctionName": "f", "Code": "fn", "EventInvokeConfig": { "MaximumEventAgeInSeconds": 30 } }"""));
    }

    [Fact]
    public void An_invalid_destination_is_refused()
    {
        var message = Fails("""{ "FunctionName": "f", "Code": "fn", "EventInvokeConfig": { "DestinationConfig": { "OnFailure": { "Destination": "arn:aws:sqs:eu-west-1:000000000000:q" } } } }""");
        Assert.Contains("function 'f': EventInvokeConfig: InvalidParameterValueException: The provided destination config", message);
        Assert.Contains("Accepted destinations:", message);
        var outsidePattern = Fails("""{ "FunctionName": "f", "Code": "fn", "EventInvokeConfig": { "DestinationConfig": { "OnFailure": { "Destination": "my-queue" } } } }""");
        Assert.Contains("function 'f': EventInvokeConfig: ValidationException: 1 validation error detected: Value 'my-queue' at 'destinationConfig.onFailure.destination'", outsidePattern);
    }

    [Fact]
    public void A_destination_function_must_be_registered()
        => Assert.Contains("function 'f': EventInvokeConfig: InvalidParameterValueException: The destination ARN arn:aws:lambda:us-east-1:000000000000:function:missing is invalid.",
            Fails("""{ "FunctionName": "f", "Code": "fn", "EventInvokeConfig": { "DestinationConfig": { "OnSuccess": { "Destination": "arn:aws:lambda:us-east-1:000000000000:function:missing" } } } }"""));

    [Fact]
    public void A_function_cannot_be_its_own_destination()
        => Assert.Contains("You can't specify the function as a destination for itself.",
            Fails("""{ "FunctionName": "f", "Code": "fn", "EventInvokeConfig": { "DestinationConfig": { "OnSuccess": { "Destination": "arn:aws:lambda:us-east-1:000000000000:function:f" } } } }"""));

    [Fact]
    public void A_dead_letter_target_must_be_a_queue_or_topic()
        => Assert.Contains("function 'f': DeadLetterConfig: InvalidParameterValueException: ",
            Fails("""{ "FunctionName": "f", "Code": "fn", "DeadLetterConfig": { "TargetArn": "arn:aws:lambda:us-east-1:000000000000:function:g" } }"""));
}
