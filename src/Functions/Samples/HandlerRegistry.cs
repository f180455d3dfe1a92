using Gateway.Runtime;
using Gateway.Samples.Handlers;

namespace Gateway.Samples;

/// <summary>
/// Maps <c>_HANDLER</c> to a sample, as a managed runtime maps it to a method. A name that is not here
/// is an init error with the type Node.js and Python runtimes use for a missing handler.
/// </summary>
internal static class HandlerRegistry
{
    public const string HandlerVariable = "_HANDLER";

    public static LambdaHandler FromEnvironment() => Create(Environment.GetEnvironmentVariable(HandlerVariable));

    public static LambdaHandler Create(string? name) => name switch
    {
        // The functions.
        "echo" => EchoHandler.Invoke,
        "sleep" or "slow" => SleepHandler.Invoke,
        "fail" => FailHandler.Invoke,
        "crash" => CrashHandler.Invoke,

        // Helpers for the gateway's tests.
        "env" => EnvHandler.Invoke,
        "log" => LogHandler.Invoke,
        "big" => BigHandler.Invoke,
        "context" => ContextHandler.Invoke,
        "exit0" => Exit0Handler.Invoke,
        "initfail" => InitFailHandler.Create(),

        _ => throw new LambdaException(
            "Runtime.HandlerNotFound",
            $"{HandlerVariable} '{name}' is not a handler in this bootstrap. Known handlers: echo, sleep, slow, fail, crash, env, log, big, context, exit0, initfail."),
    };
}
