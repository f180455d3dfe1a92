using Gateway.Async.Destinations;

namespace Gateway.UnitTests.Async.Destinations;

public class DestinationTargetTests
{
    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:audit", "Function", "lambda", "audit")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:audit:$LATEST", "Function", "lambda", "audit")]
    [InlineData("arn:aws:sqs:us-east-2:123456789012:destination", "ServiceFile", "sqs", "destination")]
    [InlineData("arn:aws:sns:us-east-2:123456789012:my-topic", "ServiceFile", "sns", "my-topic")]
    [InlineData("arn:aws:events:us-east-1:123456789012:event-bus/default", "ServiceFile", "events", "default")]
    [InlineData("arn:aws:s3:::my.failure-bucket", "ServiceFile", "s3", "my.failure-bucket")]
    [InlineData("arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q_1", "ServiceFile", "sqs", "q_1")]
    public void ARNs_name_a_function_or_a_local_service_file(string destination, string kind, string service, string name)
    {
        Assert.True(DestinationTarget.TryParse(destination, out var target, out var error), error);
        Assert.Equal(kind, target.Kind.ToString());
        Assert.Equal(service, target.Service);
        Assert.Equal(name, target.Name);
    }

    [Fact]
    public void File_URLs_name_an_absolute_folder()
    {
        Assert.True(DestinationTarget.TryParse("file:///var/tmp/records%20here", out var target, out _));
        Assert.Equal(DestinationKind.Folder, target.Kind);
        Assert.Equal("/var/tmp/records here", target.Folder);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("https://example.com/records?x=1")]
    public void Http_URLs_are_posted_to(string destination)
    {
        Assert.True(DestinationTarget.TryParse(destination, out var target, out _));
        Assert.Equal(DestinationKind.Http, target.Kind);
        Assert.Equal(new Uri(destination), target.Url);
    }

    [Theory]
    [InlineData("")]
    [InlineData("arn:aws:sqs:us-east-1:123456789012")]                          // no resource
    [InlineData("arn:aws:dynamodb:us-east-1:123456789012:table/t")]              // not a destination service
    [InlineData("arn:aws:sqs:us-east-1:123456789012:../../etc/passwd")]          // not a name: no path tricks
    [InlineData("arn:aws:sqs:us-east-1:123456789012:.hidden")]
    [InlineData("arn:aws:events:us-east-1:123456789012:rule/r")]                 // a rule is not a bus
    [InlineData("arn:aws:lambda:us-east-1:123456789012:layer:x")]
    [InlineData("arn:other:sqs:us-east-1:123456789012:q")]
    [InlineData("file://server/share")]                                          // not local
    [InlineData("file:relative/folder")]
    [InlineData("ftp://example.com/x")]
    [InlineData("just-a-name")]
    public void Anything_else_is_refused_with_a_reason(string destination)
    {
        Assert.False(DestinationTarget.TryParse(destination, out _, out var error));
        Assert.NotEmpty(error);
    }
}
