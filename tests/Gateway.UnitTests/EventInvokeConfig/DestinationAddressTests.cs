using Gateway.Async.EventInvokeConfig;

namespace Gateway.UnitTests.EventInvokeConfig;

public sealed class DestinationAddressTests
{
    private const string Region = "us-east-1";
    private const string Account = "000000000000";

    private static DestinationAddress Parse(string value)
    {
        Assert.True(DestinationAddress.TryParse(value, Region, Account, out var address, out var error), error);
        Assert.Equal(value, address!.Value);
        return address;
    }

    private static string Refuse(string value)
    {
        Assert.False(DestinationAddress.TryParse(value, Region, Account, out var address, out var error));
        Assert.Null(address);
        return error!;
    }

    [Fact]
    public void Function_ARN()
    {
        var address = Parse("arn:aws:lambda:us-east-1:000000000000:function:audit");
        Assert.Equal(DestinationKind.Function, address.Kind);
        Assert.Equal("audit", address.FunctionName);
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:audit:prod")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:audit:7")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:audit:$LATEST")]
    public void Qualified_function_ARN_as_CDK_names_an_alias_or_version(string value)
    {
        var address = Parse(value);
        Assert.Equal(DestinationKind.Function, address.Kind);
        Assert.Equal("audit", address.FunctionName);
    }

    [Theory]
    [InlineData("arn:aws:sqs:us-east-1:000000000000:orders-dlq", "sqs", "orders-dlq")]
    [InlineData("arn:aws:sqs:us-east-1:000000000000:orders.fifo", "sqs", "orders.fifo")]
    [InlineData("arn:aws:sns:us-east-1:000000000000:alerts", "sns", "alerts")]
    [InlineData("arn:aws:events:us-east-1:000000000000:event-bus/default", "events", "default")]
    [InlineData("arn:aws:s3:::my-bucket.records", "s3", "my-bucket.records")]
    public void Local_queues(string value, string service, string name)
    {
        var address = Parse(value);
        Assert.Equal(DestinationKind.LocalQueue, address.Kind);
        Assert.Equal(service, address.Service);
        Assert.Equal(name, address.Name);
    }

    [Fact]
    public void Folder()
    {
        var address = Parse("file:///var/tmp/records/");
        Assert.Equal(DestinationKind.Folder, address.Kind);
        Assert.Equal("/var/tmp/records", address.FolderPath);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("https://example.com/records?x=1")]
    public void Http(string value)
    {
        var address = Parse(value);
        Assert.Equal(DestinationKind.Http, address.Kind);
        Assert.Equal(new Uri(value), address.Uri);
    }

    [Theory]
    [InlineData("arn:aws:lambda:eu-west-1:000000000000:function:audit", "region and account")]
    [InlineData("arn:aws:sqs:us-east-1:111111111111:q", "region and account")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:audit:", "not a function ARN")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:audit:a.b", "not a function ARN")]
    [InlineData("arn:aws:iam:us-east-1:000000000000:role/x", "service 'iam'")]
    [InlineData("arn:aws:events:us-east-1:000000000000:rule/x", "event bus")]
    [InlineData("arn:aws:s3:us-east-1:000000000000:bucket", "S3 bucket ARN")]
    [InlineData("arn:aws:sqs:us-east-1:000000000000:../../etc", "valid queue name")]
    [InlineData("arn:aws:sqs", "well-formed ARN")]
    [InlineData("file://relative/folder", "file:///absolute/folder")]
    [InlineData("ftp://example.com/x", "not a supported destination")]
    [InlineData("my-queue", "not a supported destination")]
    [InlineData("http://", "http:// or https://")]
    public void Refused(string value, string reason)
        => Assert.Contains(reason, Refuse(value));
}
