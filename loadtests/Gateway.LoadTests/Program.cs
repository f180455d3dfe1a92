using System.Net;
using Gateway.LoadTests;

// Load harness for the gateway's Invoke API. See Options.Usage, or run with --help.
Options options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(Options.Usage);
        return 0;
    }
    options = Options.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine("Gateway.LoadTests: " + ex.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

// Enough pool threads from the start: the closed loop starts every connection at once.
ThreadPool.GetMinThreads(out int workers, out int io);
ThreadPool.SetMinThreads(Math.Max(workers, Environment.ProcessorCount * 2), io);

var addresses = await Dns.GetHostAddressesAsync(options.Url.Host);
var endPoint = new IPEndPoint(addresses.First(IPAddress.IsLoopback), options.Url.Port);
string path = options.Path ?? options.Url.AbsolutePath.TrimEnd('/') + "/2015-03-31/functions/" + Uri.EscapeDataString(options.Function) + "/invocations";
byte[] request = HttpConnection.BuildRequest(options.Url, path, options.InvocationType, options.Payload(), options.Sign);

if (options.Scenario == "oversize")
{
    return await Oversize.RunAsync(options, endPoint, path);
}

if (options.Scenario == "throttle")
{
    return await Throttle.RunAsync(options, request, endPoint);
}

// The epoll engine sends from its one thread and waits for room when a send fills the socket buffer, which a large
// request would make every other connection's answer wait behind: large requests keep the task engine by default.
string engine = options.Engine ?? (request.Length <= 64 * 1024 ? "epoll" : "tasks");
var result = engine == "epoll"
    ? await EpollLoadRunner.RunAsync(options, request, endPoint)
    : await LoadRunner.RunAsync(options, request, endPoint);
var rows = Report.Rows(options, result.Recorder);
var measured = Report.Measured(options, result.Recorder);
if (options.OutDirectory is not null)
{
    Report.Write(options.OutDirectory, options, result, rows, measured);
}
Console.WriteLine(Report.ResultLine(options, result, rows, measured));
return measured.TotalCount > 0 ? 0 : 1;
