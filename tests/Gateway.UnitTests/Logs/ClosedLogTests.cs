using Gateway.Functions;
using Gateway.Logs;
using Gateway.Native;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests.Logs;

/// <summary>An environment's log after it was closed: the environment's end and a late platform line race (an extension
/// that registered and never asked for its first event is reported once init has timed out and the environment has been
/// stopped). The late line is dropped; it must not throw on the closed stream's index.</summary>
public sealed class ClosedLogTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-closedlog-" + Guid.NewGuid().ToString("N"));

    public ClosedLogTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("Text")]
    [InlineData("JSON")]
    public void Platform_lines_after_the_log_was_closed_are_dropped(string format)
    {
        var output = OutputChannel.Create();
        var path = Path.Combine(_directory, "s.log");
        var clock = new ManualTimeProvider();
        var log = new EnvironmentLog(output.Reader, path, "fn", null, "/aws/lambda/fn", "s", new FunctionLogging { LogFormat = format }, clock);
        log.WritePlatformLine("INIT_START Runtime Version: provided:al2023"u8);
        output.CloseWriter();
        log.Dispose();
        long length = new FileInfo(path).Length;
        clock.AdvanceMilliseconds(10_000); // a later millisecond: the line would be indexed

        log.WriteExtension("never-next", "Registered", ["INVOKE", "SHUTDOWN"]);
        log.WritePlatformLine("late"u8);

        Assert.Equal(length, new FileInfo(path).Length);
    }
}
