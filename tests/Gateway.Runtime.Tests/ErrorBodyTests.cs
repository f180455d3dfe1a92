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
        Assert.Equal(["errorType", "errorMessage", "stackTrace"], root.EnumerateObject().Select(p => p.Name)); // LambdaJsonExceptionWriter's order
        Assert.Equal("bad \"input\"", root.GetProperty("errorMessage").GetString());
        Assert.Equal("InvalidOperationException", root.GetProperty("errorType").GetString());
        var frames = root.GetProperty("stackTrace").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(frames);
        Assert.All(frames, f => Assert.Equal(f.Trim(), f)); // one trimmed frame per element
        Assert.Contains(frames, f => f.Contains(nameof(Thrown), StringComparison.Ordinal));
    }

    [Fact]
    public void An_exception_never_thrown_has_no_stackTrace_and_a_null_message_no_errorMessage()
    {
        var buffer = new ResponseBuffer();

        new ErrorBody().Write(buffer, "Custom", new LambdaException("Custom", "m"));
        Assert.Equal("""{"errorType":"Custom","errorMessage":"m"}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));

        new ErrorBody().Write(buffer, "NullMessage", new NullMessageException());
        Assert.Equal("""{"errorType":"NullMessage"}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [InlineData(" a ", "a")]
    [InlineData("bad input\n", "bad input\n")]
    [InlineData("\tx \n ", "\tx \n")]
    [InlineData("\u00a0b\u00a0", "b")]
    [InlineData("plain", "plain")]
    public void Message_and_type_are_trimmed_as_RuntimeSupport_trims_them_after_escaping(string raw, string expected) =>
        Assert.Equal(expected, ErrorBody.TrimAsEscaped(raw));

    [Fact]
    public void An_inner_exception_is_its_cause_with_the_same_shape()
    {
        var buffer = new ResponseBuffer();
        var innermost = Thrown(() => throw new ArgumentException("innermost"));
        var inner = Thrown(() => throw new FormatException("inner message", innermost));
        var outer = Thrown(() => throw new LambdaException("Outer.Error", "outer message", inner));

        new ErrorBody().Write(buffer, ErrorBody.ErrorTypeOf(outer), outer);

        using var document = JsonDocument.Parse(buffer.WrittenSpan.ToArray());
        var root = document.RootElement;
        Assert.Equal(["errorType", "errorMessage", "stackTrace", "cause"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Outer.Error", root.GetProperty("errorType").GetString());
        Assert.DoesNotContain(root.GetProperty("stackTrace").EnumerateArray(), f => f.GetString()!.Contains("inner message", StringComparison.Ordinal)); // no "--- inner" lines
        var cause = root.GetProperty("cause");
        Assert.Equal(["errorType", "errorMessage", "stackTrace", "cause"], cause.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("FormatException", "inner message"), (cause.GetProperty("errorType").GetString(), cause.GetProperty("errorMessage").GetString()));
        Assert.Contains(cause.GetProperty("stackTrace").EnumerateArray(), f => f.GetString()!.Contains(nameof(Thrown), StringComparison.Ordinal));
        Assert.Equal("innermost", cause.GetProperty("cause").GetProperty("errorMessage").GetString());
    }

    [Fact]
    public void An_AggregateException_s_inner_exceptions_are_its_causes()
    {
        var buffer = new ResponseBuffer();
        var aggregate = Thrown(() => throw new AggregateException("agg", new ArgumentException("a1"), new FormatException("f2")));

        new ErrorBody().Write(buffer, ErrorBody.ErrorTypeOf(aggregate), aggregate);

        using var document = JsonDocument.Parse(buffer.WrittenSpan.ToArray());
        var root = document.RootElement;
        // As RuntimeSupport's ExceptionInfo: InnerException (the first) is the cause, and every one is in causes.
        Assert.Equal(["errorType", "errorMessage", "stackTrace", "cause", "causes"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("agg (a1) (f2)", root.GetProperty("errorMessage").GetString());
        Assert.Equal("a1", root.GetProperty("cause").GetProperty("errorMessage").GetString());
        Assert.Equal([("ArgumentException", "a1"), ("FormatException", "f2")],
            root.GetProperty("causes").EnumerateArray().Select(c => (c.GetProperty("errorType").GetString(), c.GetProperty("errorMessage").GetString())));
    }

    [Fact]
    public void A_document_over_256_KB_is_RuntimeSupport_s_replacement_message()
    {
        var buffer = new ResponseBuffer();

        new ErrorBody().Write(buffer, "InvalidOperationException", new InvalidOperationException(new string('x', 7_000_000)));

        Assert.Equal("""{"errorMessage":"Exception exceeded maximum payload size of 256KB."}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void A_cause_that_does_not_fit_is_replaced_and_the_outer_exception_kept()
    {
        var buffer = new ResponseBuffer();
        var outer = Thrown(() => throw new InvalidOperationException("outer", new FormatException(new string('y', 300_000))));

        new ErrorBody().Write(buffer, "InvalidOperationException", outer);

        Assert.True(buffer.WrittenCount < ErrorBody.MaxBytes);
        using var document = JsonDocument.Parse(buffer.WrittenSpan.ToArray());
        var root = document.RootElement;
        Assert.Equal(("InvalidOperationException", "outer"), (root.GetProperty("errorType").GetString(), root.GetProperty("errorMessage").GetString()));
        Assert.True(root.GetProperty("stackTrace").GetArrayLength() > 0);
        Assert.Equal("""{"errorMessage":"Exception exceeded maximum payload size of 256KB."}""", root.GetProperty("cause").GetRawText());
    }

    [Fact]
    public void A_causes_list_ends_at_the_first_that_does_not_fit()
    {
        var buffer = new ResponseBuffer();
        // An AggregateException's message repeats its inner messages ("short (aaa…) (bbb…) (never)", ~200 KB), so the
        // room runs out inside it: its cause and its causes no longer fit, while the exceptions around them do.
        var aggregate = new AggregateException("short", new ArgumentException(new string('a', 100_000)), new FormatException(new string('b', 100_000)), new ArgumentException("never"));
        var wrapped = new LambdaException("Wrapped", "w", aggregate);

        new ErrorBody().Write(buffer, "Wrapped", wrapped);

        Assert.True(buffer.WrittenCount < ErrorBody.MaxBytes);
        using var document = JsonDocument.Parse(buffer.WrittenSpan.ToArray());
        var root = document.RootElement;
        Assert.Equal(("Wrapped", "w"), (root.GetProperty("errorType").GetString(), root.GetProperty("errorMessage").GetString()));
        var cause = root.GetProperty("cause");
        Assert.StartsWith("short (aaa", cause.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal("""{"errorMessage":"Exception exceeded maximum payload size of 256KB."}""", cause.GetProperty("cause").GetRawText());
        var causes = cause.GetProperty("causes").EnumerateArray().Select(c => c.GetRawText()).ToList();
        Assert.Equal(["""{"errorMessage":"Exception exceeded maximum payload size of 256KB."}"""], causes);
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

        Assert.Equal("""{"errorType":"Second","errorMessage":"two"}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void The_error_type_is_the_LambdaException_s_own_or_the_CLR_type_name()
    {
        Assert.Equal("Runtime.HandlerNotFound", ErrorBody.ErrorTypeOf(new LambdaException("Runtime.HandlerNotFound", "no handler")));
        Assert.Equal("ArgumentNullException", ErrorBody.ErrorTypeOf(new ArgumentNullException("x")));
    }

    private sealed class NullMessageException : Exception
    {
        public override string Message => null!;
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
