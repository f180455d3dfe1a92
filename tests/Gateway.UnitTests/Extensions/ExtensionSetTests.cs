using System.Text;
using System.Text.Json.Nodes;
using Gateway.Extensions;
using Gateway.Invocations;

namespace Gateway.UnitTests.Extensions;

/// <summary>The Extensions API's rules and lifecycle in <see cref="ExtensionSet"/>, with RAPID's messages
/// (aws-lambda-runtime-interface-emulator: rapi/handler/agentregister.go, agentnext.go, core/*_states.go).</summary>
public class ExtensionSetTests
{
    private static readonly ExtensionSet.FunctionIdentity Function = new("fn", "$LATEST", "index.handler", "123456789012");

    private static ExtensionSet Make(params string[] external)
    {
        var set = new ExtensionSet(Function);
        set.Launching(external);
        return set;
    }

    private static (int Status, Dictionary<string, string> Headers, string Body) Read(byte[] reply)
    {
        var text = Encoding.UTF8.GetString(reply);
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lines = text[..split].Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(": ", 2)).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        return (int.Parse(lines[0].Split(' ')[1]), headers, text[(split + 4)..]);
    }

    private static string Register(ExtensionSet set, string name, string events = """{"events":["INVOKE","SHUTDOWN"]}""", string? accept = null)
    {
        var (status, headers, body) = Read(set.Register(name, accept, Encoding.UTF8.GetBytes(events)));
        Assert.True(status == 200, body);
        return headers["Lambda-Extension-Identifier"];
    }

    private static void AssertRefused(byte[] reply, string errorType, string message)
    {
        var (status, _, body) = Read(reply);
        Assert.Equal(403, status);
        Assert.Equal($$"""{"errorMessage":"{{message}}","errorType":"{{errorType}}"}""", body);
    }

    private static Invocation NewInvocation()
    {
        var invocation = new Invocation { RequestId = Guid.NewGuid().ToString("D"), InvokedFunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:fn", DeadlineUnixMs = 1_700_000_003_000 };
        invocation.TraceId = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        return invocation;
    }

    [Fact]
    public void Registration_answers_the_functions_identity_with_accountId_only_when_asked()
    {
        var set = Make("ext");
        var (status, headers, body) = Read(set.Register("ext", null, """{"events":["INVOKE"]}"""u8));
        Assert.Equal(200, status);
        Assert.True(Guid.TryParse(headers["Lambda-Extension-Identifier"], out _));
        Assert.Equal("""{"functionName":"fn","functionVersion":"$LATEST","handler":"index.handler"}""", body);
        Assert.True(set.ExternalsRegistered.IsCompleted);

        var (_, _, withAccount) = Read(Make().Register("internal", "foo, accountId", """{"events":[]}"""u8));
        Assert.Equal("""{"accountId":"123456789012","functionName":"fn","functionVersion":"$LATEST","handler":"index.handler"}""", withAccount);
    }

    [Fact]
    public void Registration_is_refused_with_RAPIDs_errors()
    {
        var set = Make("ext");
        AssertRefused(set.Register("", null, "{}"u8), "Extension.InvalidExtensionName", "Empty extension name");
        AssertRefused(set.Register("ext", null, ""u8), "InvalidRequestFormat", "unexpected end of JSON input");
        AssertRefused(set.Register("ext", null, """{"configurationKeys":["a"]}"""u8), "InvalidRequestFormat", "configurationKeys are deprecated; use environment variables instead");
        AssertRefused(set.Register("ext", null, """{"events":["START"]}"""u8), "Extension.InvalidEventType", "START: ErrorInvalidEventType");
        AssertRefused(set.Register("internal", null, """{"events":["SHUTDOWN"]}"""u8), "Extension.InvalidEventType", "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension");
        Assert.False(set.ExternalsRegistered.IsCompleted);

        Register(set, "ext");
        AssertRefused(set.Register("ext", null, "{}"u8), "Extension.InvalidExtensionState",
            "State transition from Registered to Registered failed for extension ext. Error: State transition is not allowed");
        Register(set, "internal", """{"events":["INVOKE"]}""");
        AssertRefused(set.Register("internal", null, "{}"u8), "Extension.InvalidExtensionState", "Extension with this name already registered");
        for (int i = 2; i < ExtensionSet.MaxExtensions; i++)
        {
            Register(set, "more" + i, "{}");
        }
        AssertRefused(set.Register("one-too-many", null, "{}"u8), "Extension.TooManyExtensions", "Extension limit (10) reached");

        _ = set.WhenInitReady(); // the runtime's first /next closes registration
        AssertRefused(Make().WithInitDone().Register("late", null, "{}"u8), "Extension.RegistrationClosed", "Extension registration closed already");
    }

    [Fact]
    public async Task Init_ends_when_every_extension_waits_in_next_and_each_INVOKE_subscriber_holds_the_environment_until_it_is_back()
    {
        var set = Make("a");
        var a = Register(set, "a");
        var b = Register(set, "b", """{"events":["INVOKE"]}"""); // internal
        var initReady = set.WhenInitReady();
        Assert.False(initReady.IsCompleted);
        Assert.False(set.InitDone);
        var aNext = set.Next(a, out _);
        Assert.False(initReady.IsCompleted);
        var bNext = set.Next(b, out _);
        await initReady.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(set.InitDone);
        Assert.Equal(["a: Ready [INVOKE,SHUTDOWN]", "b: Ready [INVOKE]"], set.Describe().Select(d => $"{d.Name}: {d.State} [{string.Join(',', d.Events)}]"));

        var invocation = NewInvocation();
        set.BeginInvoke(invocation);
        Assert.False(set.Idle);
        var (status, headers, body) = Read(await aNext.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(200, status);
        Assert.True(Guid.TryParse(headers["Lambda-Extension-Event-Identifier"], out _));
        Assert.Equal($$$"""{"eventType":"INVOKE","deadlineMs":1700000003000,"requestId":"{{{invocation.RequestId}}}","invokedFunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:fn","tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"}}""", body);
        Assert.Equal(body, Read(await bNext.WaitAsync(TimeSpan.FromSeconds(5))).Body);

        aNext = set.Next(a, out bool idleAfterA);
        Assert.False(idleAfterA);
        Assert.False(set.Idle);
        AssertRefused(await set.Next(a, out _), "Extension.InvalidExtensionState",
            $"State transition from Ready to Ready failed for extension {a}. Error: State transition is not allowed");
        bNext = set.Next(b, out bool idleAfterB);
        Assert.True(idleAfterB);
        Assert.True(set.Idle);
        Assert.False(aNext.IsCompleted);
    }

    [Fact]
    public async Task Shutdown_goes_to_SHUTDOWN_subscribers_and_completes_when_they_have_exited()
    {
        var set = Make("a", "b", "c");
        var a = Register(set, "a");
        var b = Register(set, "b", """{"events":["INVOKE"]}""");
        var c = Register(set, "c", """{"events":["SHUTDOWN"]}""");
        var aNext = set.Next(a, out _);
        _ = set.Next(b, out _);
        var cNext = set.Next(c, out _);
        await set.WhenInitReady();

        // a is busy with an INVOKE when the shutdown begins: its SHUTDOWN waits for its next /next.
        set.BeginInvoke(NewInvocation());
        await aNext;
        var done = set.Shutdown("spindown", 1_700_000_002_000);
        Assert.NotNull(done);
        Assert.Equal("""{"eventType":"SHUTDOWN","deadlineMs":1700000002000,"shutdownReason":"spindown"}""", Read(await cNext.WaitAsync(TimeSpan.FromSeconds(5))).Body);
        var aShutdown = Read(await set.Next(a, out _).WaitAsync(TimeSpan.FromSeconds(5))).Body;
        Assert.Contains("\"shutdownReason\":\"spindown\"", aShutdown);

        Assert.Null(set.Exited("c")); // exits during a shutdown are not failures
        Assert.False(done!.IsCompleted);
        Assert.Null(set.Exited("a"));
        await done.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void BeginShutdown_says_which_extensions_are_registered_and_from_then_on_an_exit_is_no_failure()
    {
        // RAPID: no graceful shutdown without a registered extension; internal ones count (CountAgents).
        var none = Make("a");
        Assert.Equal(RegisteredExtensions.None, none.BeginShutdown()); // launched, not registered
        Assert.False(none.ShuttingDown);
        Assert.Equal("Extension.Crash", none.Exited("a"));

        var internalOnly = Make();
        Register(internalOnly, "inner", """{"events":["INVOKE"]}""");
        Assert.Equal(RegisteredExtensions.InternalOnly, internalOnly.BeginShutdown());

        // The runtime has its SIGTERM before the SHUTDOWN event goes out: an extension's exit then is no failure either.
        var external = Make("a", "b");
        Register(external, "a");
        Register(external, "b", """{"events":["INVOKE"]}""");
        Assert.Equal(RegisteredExtensions.External, external.BeginShutdown());
        Assert.True(external.ShuttingDown);
        Assert.Null(external.Exited("b"));
        Assert.Null(external.FailedToLaunch("c"));
        var done = external.Shutdown("spindown", 0);
        Assert.NotNull(done);
        Assert.Null(external.Exited("a"));
        Assert.True(done!.IsCompleted);
        external.End();
        Assert.False(external.ShuttingDown);
    }

    [Fact]
    public void An_exit_outside_a_shutdown_is_a_crash_unless_an_error_was_reported_first()
    {
        var set = Make("a", "b");
        Assert.Equal("Extension.Crash", set.Exited("a")); // before registering too
        var b = Register(set, "b");
        AssertRefused(set.ReportError(b, null, exit: false), "Extension.MissingHeader", "Lambda-Extension-Function-Error-Type not found");
        Assert.Equal(202, Read(set.ReportError(b, "Extension.ConfigInvalid", exit: false)).Status);
        Assert.Equal("Extension.InitError", set.Exited("b"));
        Assert.Null(Make().Shutdown("spindown", 0)); // nobody subscribed: the caller kills at once
    }

    [Fact]
    public void A_register_body_is_read_as_Gos_json_Unmarshal_reads_it()
    {
        Assert.Equal(["INVOKE", "SHUTDOWN"], RegisterRequest.Parse("""{"events":["INVOKE","SHUTDOWN"],"other":{"x":[1]}}"""u8).Events);
        Assert.Empty(RegisterRequest.Parse("""{"events":null}"""u8).Events);
        Assert.Empty(RegisterRequest.Parse("{}"u8).Events);
        Assert.NotNull(RegisterRequest.Parse("""["INVOKE"]"""u8).Error);
        Assert.NotNull(RegisterRequest.Parse("""{"events":"INVOKE"}"""u8).Error);
        Assert.NotNull(RegisterRequest.Parse("""{"events":["INVOKE"]"""u8).Error);
    }
}

internal static class ExtensionSetTestExtensions
{
    /// <summary>A set whose runtime has already reached its first /next.</summary>
    public static ExtensionSet WithInitDone(this ExtensionSet set)
    {
        _ = set.WhenInitReady();
        return set;
    }
}
