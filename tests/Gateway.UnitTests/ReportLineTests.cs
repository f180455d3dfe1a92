using System.Text;
using Gateway.Logs;

namespace Gateway.UnitTests;

public class ReportLineTests
{
    private static string Format(ReportLine line)
    {
        var buffer = new byte[512];
        int n = line.Format(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void Warm_invocation_in_AWS_field_order()
    {
        var line = new ReportLine("8476a536-e9f4-11e8-9739-2dfe598c3fcd", 26.73, null, 128, 75, null);
        Assert.Equal(
            "REPORT RequestId: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\tDuration: 26.73 ms\tBilled Duration: 27 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\t",
            Format(line));
    }

    [Fact]
    public void Cold_start_puts_Init_Duration_last_and_bills_it()
    {
        var line = new ReportLine("id", 26.73, 166.62, 128, 75, null);
        Assert.Equal(
            "REPORT RequestId: id\tDuration: 26.73 ms\tBilled Duration: 194 ms\tMemory Size: 128 MB\tMax Memory Used: 75 MB\tInit Duration: 166.62 ms\t",
            Format(line));
    }

    [Fact]
    public void Status_comes_after_everything_else()
    {
        Assert.Equal(
            "REPORT RequestId: id\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 256 MB\tMax Memory Used: 20 MB\tStatus: timeout\t",
            Format(new ReportLine("id", 3000, null, 256, 20, "timeout")));
        Assert.Equal(
            "REPORT RequestId: id\tDuration: 1.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 11.25 ms\tStatus: error\t",
            Format(new ReportLine("id", 1.5, 11.25, 128, 9, "error")));
    }

    [Theory]
    [InlineData(26.73, null, 27)]
    [InlineData(1.0, null, 1)]
    [InlineData(0.001, null, 1)]
    [InlineData(0, null, 0)]
    [InlineData(999.0001, null, 1000)]
    [InlineData(26.73, 166.62, 194)]   // ceil(193.35)
    [InlineData(0.4, 0.4, 1)]          // ceil of the sum, not the sum of ceilings (which would be 2)
    [InlineData(10.0, 5.0, 15)]
    public void Billed_duration_is_the_ceiling_of_duration_plus_init(double duration, double? init, long billed)
    {
        Assert.Equal(billed, new ReportLine("id", duration, init, 128, 1, null).BilledDurationMs);
    }

    [Theory]
    [InlineData(0.0, "0.00")]
    [InlineData(0.005, "0.01")]
    [InlineData(12.3, "12.30")]
    [InlineData(1234567.891, "1234567.89")]
    public void Durations_have_two_decimals_and_no_grouping(double duration, string text)
    {
        Assert.Contains($"\tDuration: {text} ms\t", Format(new ReportLine("id", duration, null, 128, 1, null)));
    }

    [Fact]
    public void Format_returns_the_byte_count_and_writes_only_that()
    {
        var buffer = new byte[512];
        Array.Fill(buffer, (byte)'#');
        int n = new ReportLine("id", 1, null, 128, 1, null).Format(buffer);
        Assert.Equal("REPORT RequestId: id\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB\t".Length, n);
        Assert.All(buffer[n..], b => Assert.Equal((byte)'#', b));
    }
}
