using Gateway.Logs;

namespace Gateway.UnitTests.Logs;

public class RecordNewlinesTests
{
    [Theory]
    // Amazon.Lambda.RuntimeSupport's shape, which Gateway's C# client writes for an unhandled exception (with and
    // without a request id: an init error has none).
    [InlineData("2026-01-01T00:00:00.000Z\t8476a536-e9f4-11e8-9739-2dfe598c3fcd\tfail\tSystem.Exception: a\r---> System.FormatException: b")]
    [InlineData("2026-01-01T00:00:00.000Z\t\tfail\tSystem.Exception: a\r   at X()")]
    [InlineData("2026-01-01T00:00:00.000Z\tid\tERROR\tnode\rrecord")]
    public void A_dotnet_or_Node_text_record_with_CRs_is_a_record(string line) =>
        Assert.True(RecordNewlines.Has(System.Text.Encoding.UTF8.GetBytes(line)));

    [Theory]
    [InlineData("2026-01-01T00:00:00.000Z\tid\tfailure\tnot a level\rx")]
    [InlineData("2026-01-01T00:00:00.000Z\tid\tFail\tnot a label\rx")]
    [InlineData("2026-01-01T00:00:00.000Z\tid\tinfo\ta RuntimeSupport line of the function's own\rx")]
    [InlineData("printed\ra\rcarriage return")]
    public void Other_lines_keep_their_CRs(string line) =>
        Assert.False(RecordNewlines.Has(System.Text.Encoding.UTF8.GetBytes(line)));
}
