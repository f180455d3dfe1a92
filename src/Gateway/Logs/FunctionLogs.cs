using System.Collections.Concurrent;
using System.Net.Sockets;
using Gateway.Functions;

namespace Gateway.Logs;

/// <summary>
/// Where function logs go: <c>{data}/logs/{function}/</c> holds one file per execution environment (a log
/// group of log streams, as in CloudWatch), and lines are echoed to the console unless disabled. A timer
/// pushes buffered writes to disk a few times a second instead of once per line.
/// </summary>
internal sealed class FunctionLogs : IDisposable
{
    private readonly string _root;
    private readonly ConsoleEcho? _console;
    private readonly ConcurrentDictionary<EnvironmentLog, byte> _open = new();
    private readonly ITimer _flushTimer;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, byte> _warnedGroups = new(StringComparer.Ordinal);

    public FunctionLogs(string dataDirectory, bool echoToConsole, TimeProvider time)
    {
        _root = Path.Combine(dataDirectory, "logs");
        _time = time;
        _console = echoToConsole ? new ConsoleEcho() : null;
        _flushTimer = time.CreateTimer(static s => ((FunctionLogs)s!).FlushAll(), this, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
    }

    /// <summary>The folder of a function's log streams (its "log group").</summary>
    public string GroupDirectory(string functionName) => Path.Combine(_root, functionName);

    /// <summary>The folder holding every function's log folder.</summary>
    public string Root => _root;

    /// <summary>Opens an environment's stream: its file, its timestamp index (naming the stream's log group and name, as
    /// the environment sees them), and its INIT_START line (platform.initStart in JSON format).</summary>
    /// <param name="telemetry">The environment's Telemetry API when it has extensions (it gets platform.initStart too).</param>
    public EnvironmentLog Open(Functions.FunctionDefinition function, string logStreamName, string streamFileName, bool provisioned, Socket output,
        Extensions.Telemetry.EnvironmentTelemetry? telemetry = null)
    {
        var group = function.Logging.LogGroupFor(function.Name);
        var log = new EnvironmentLog(output, Path.Combine(GroupDirectory(function.Name), streamFileName), function.Name, _console,
            group, logStreamName, function.Logging, _time)
        {
            Telemetry = telemetry,
        };
        _open.TryAdd(log, 0);
        WarnOfReservedGroup(group, function.Name);
        log.WriteInitStart(provisioned, function.Name, function.Version,
            RuntimeVersions.Name(function.Runtime), RuntimeVersions.Arn(RuntimeVersions.RegionOf(function.Arn), function.Runtime));
        log.Start();
        return log;
    }

    /// <summary>
    /// AWS accepts a LoggingConfig.LogGroup that begins with <c>aws/</c>, but "Lambda won't be able to create the log
    /// group. As a result, your function's logs won't be sent to CloudWatch" ("Configuring CloudWatch log groups").
    /// Here the logs are kept, so say once per group that on AWS they would be lost.
    /// </summary>
    private void WarnOfReservedGroup(string group, string functionName)
    {
        if (group.StartsWith("aws/", StringComparison.Ordinal) && _warnedGroups.TryAdd(group, 0))
        {
            Console.Error.WriteLine($"[gateway] warning: {functionName}'s log group '{group}' begins with 'aws/': on AWS, Lambda cannot create it and the function's logs are not sent to CloudWatch (kept here)");
        }
    }

    /// <summary>Whether a stream file is being written (retention leaves it alone).</summary>
    public bool IsOpen(string filePath)
    {
        foreach (var log in _open.Keys)
        {
            if (string.Equals(log.FilePath, filePath, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public void Close(EnvironmentLog log)
    {
        _open.TryRemove(log, out _);
        log.Flush();
        log.Dispose();
    }

    public void FlushAll()
    {
        foreach (var log in _open.Keys)
        {
            try
            {
                log.Flush();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or IOException)
            {
                // closed concurrently; or a write the log did not expect to fail: an exception here, in a timer's
                // callback, would end the process (EnvironmentLog handles a full disk itself)
            }
        }
        _console?.Flush(); // (ConsoleEcho.Flush catches its own write failures)
    }

    public void Dispose()
    {
        _flushTimer.Dispose();
        FlushAll();
    }
}
