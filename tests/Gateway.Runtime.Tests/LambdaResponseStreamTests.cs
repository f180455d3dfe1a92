namespace Gateway.Runtime.Tests;

public class LambdaResponseStreamTests
{
    [Fact]
    public void The_error_trailer_s_type_is_sanitised_as_the_buffered_path_s_header()
    {
        // A CR/LF in a LambdaException's type would end the trailer section early and break the chunked framing.
        string end = LambdaResponseStream.EndOfBody("My.Custom\r\nX-Injected: 1", "{}"u8.ToArray());

        Assert.Equal("0\r\nLambda-Runtime-Function-Error-Type: My.Custom??X-Injected: 1\r\nLambda-Runtime-Function-Error-Body: e30=\r\n\r\n", end);
    }

    [Fact]
    public void A_long_type_is_cut_as_in_the_buffered_path()
    {
        string end = LambdaResponseStream.EndOfBody(new string('T', 1000), []);

        Assert.Contains("Error-Type: " + new string('T', RuntimeApiClient.MaxErrorTypeHeaderChars) + "\r\n", end, StringComparison.Ordinal);
    }

    [Fact]
    public void Success_is_the_last_chunk_alone() => Assert.Equal("0\r\n\r\n", LambdaResponseStream.EndOfBody(null, null));
}
