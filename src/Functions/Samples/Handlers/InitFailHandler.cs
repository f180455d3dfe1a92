using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Test helper: creating this handler throws, so the runtime posts <c>/init/error</c> and exits 1.</summary>
internal static class InitFailHandler
{
    public static LambdaHandler Create() =>
        throw new InvalidOperationException("The 'initfail' sample function failed during init on purpose.");
}
