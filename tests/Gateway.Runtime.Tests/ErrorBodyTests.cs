using System.Text.Json;

namespace Gateway.Runtime.Tests;

public class ErrorBodyTests
{
    [Fact]
    public void Writes_message_type_and_the_stack_as_an_array()
    {
        var buffer = new ResponseBuffer();
        var exception = Thrown(() => throw new InvalidOperationException("bad \"input\""));

        new ErrorBody().Write(buffer, "InvalidOperationException", exception);

        using var document = JsonDocument.Parse(buffer.WrittenSpan.ToArray());
        var root = document.RootElement;
        Assert.Equal(["errorMessage", "errorType", "stackTrace"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("bad \"input\"", root.GetProperty("errorMessage").GetString());
        Assert.Equal("InvalidOperationException", root.GetProperty("errorType").GetString());
        var frames = root.GetProperty("stackTrace").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(frames);
        Assert.All(frames, f => Assert.Equal(f.Trim(), f)); // one trimmed frame per element
        Assert.Contains(frames, f => f.Contains(nameof(Thrown), StringComparison.Ordinal));
    }

    [Fact]
    public void An_exception_never_thrown_has_an_empty_stack()
    {
        var buffer = new ResponseBuffer();

        new ErrorBody().Write(buffer, "Custom", new LambdaException("Custom", "m"));

        Assert.Equal("""{"errorMessage":"m","errorType":"Custom","stackTrace":[]}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Inner_exceptions_follow_with_a_marker_line()
    {
        var buffer = new ResponseBuffer();
        var inner = Thrown(() => throw new FormatException("inner message"));
        var outer = Thrown(() => throw new LambdaException("Outer.Error", "outer message", inner));

        new ErrorBody().Write(buffer, ErrorBody.ErrorTypeOf(outer), outer);

        using var document = JsonDocument.Parse(buffer.WrittenSpan.ToArray());
        var frames = document.RootElement.GetProperty("stackTrace").EnumerateArray().Select(e => e.GetString()).ToList();
        int marker = frames.IndexOf("--- inner FormatException: inner message");
        Assert.True(marker > 0, "the outer frames come first");
        Assert.True(marker < frames.Count - 1, "the inner frames follow the marker");
        Assert.Equal("Outer.Error", document.RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public void Type_names_read_as_they_are_not_escaped()
    {
        var buffer = new ResponseBuffer();

        new ErrorBody().Write(buffer, "List`1+Outer<é>", new LambdaException("x", "ünïcode"));

        var text = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.Contains("\"errorType\":\"List`1+Outer<é>\"", text, StringComparison.Ordinal);
        Assert.Contains("\"errorMessage\":\"ünïcode\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Replaces_whatever_the_handler_wrote_and_can_be_reused()
    {
        var buffer = new ResponseBuffer();
        var body = new ErrorBody();
        buffer.GetSpan(10)[..10].Fill((byte)'x');
        buffer.Advance(10);

        body.Write(buffer, "First", new LambdaException("First", "one"));
        body.Write(buffer, "Second", new LambdaException("Second", "two"));

        Assert.Equal("""{"errorMessage":"two","errorType":"Second","stackTrace":[]}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void The_error_type_is_the_LambdaException_s_own_or_the_CLR_type_name()
    {
        Assert.Equal("Runtime.HandlerNotFound", ErrorBody.ErrorTypeOf(new LambdaException("Runtime.HandlerNotFound", "no handler")));
        Assert.Equal("ArgumentNullException", ErrorBody.ErrorTypeOf(new ArgumentNullException("x")));
    }

    private static Exception Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            return ex;
        }
        throw new InvalidOperationException("did not throw");
    }
}
