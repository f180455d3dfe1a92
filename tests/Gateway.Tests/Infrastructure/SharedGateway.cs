namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One native gateway shared by the tests of a collection (starting one costs about a second), registered with
/// the sample handlers the tests need. Tests that kill, throttle or reconfigure a gateway start their own.
/// </summary>
public sealed class SharedGateway : IAsyncLifetime
{
    public GatewayProcess Gateway { get; private set; } = null!;

    public static IEnumerable<TestFunction> Functions =>
    [
        TestFunction.Sample("echo") with { Provisioned = 2, MaxEnvironments = 8 },
        TestFunction.Sample("sleep") with { Timeout = 1, MaxEnvironments = 4 },
        TestFunction.Sample("fail"),
        TestFunction.Sample("crash"),
        TestFunction.Sample("exit0"),
        TestFunction.Sample("big"),
        TestFunction.Sample("log"),
        TestFunction.Sample("context"),
        TestFunction.Sample("env") with { MemorySize = 256, Environment = new() { ["MY_SETTING"] = "forty-two", ["TZ"] = "Europe/Paris" } },
        TestFunction.Sample("initfail") with { Provisioned = 0 },
        TestFunction.Sample("cold-echo", "echo") with { Provisioned = 0, MaxEnvironments = 2 },
        // The C# runtime posting each result and its next /next one after the other instead of pipelined.
        TestFunction.Sample("unpipelined-echo", "echo") with { Environment = new() { ["GATEWAY_RUNTIME_PIPELINING"] = "0" } },
        TestFunction.Sample("unpipelined-fail", "fail") with { Environment = new() { ["GATEWAY_RUNTIME_PIPELINING"] = "0" } },
        new TestFunction("bash-echo", TestPaths.BashEchoDirectory, "function.handler"),
    ];

    public async Task InitializeAsync() => Gateway = await GatewayProcess.StartAsync(Functions);

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedGatewayCollection : ICollectionFixture<SharedGateway>
{
    public const string Name = "shared gateway";
}
