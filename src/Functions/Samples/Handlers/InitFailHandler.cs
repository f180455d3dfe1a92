using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Test helper: creating this handler throws (wrapping an inner exception, which the init error's log record
/// and document carry too), so the runtime posts <c>/init/error</c> and exits 1.</summary>
internal static class InitFailHandler
{
    public static LambdaHandler Create() =>
        throw new InvalidOperationException("The 'initfail' sample function failed during init on purpose.",
            new FormatException("The inner cause of the 'initfail' sample."));
}
