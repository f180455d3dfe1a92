namespace Gateway.Runtimes;

/// <summary>How a runtime's environments start: the function's own <c>bootstrap</c> (OS-only runtimes), or the
/// gateway's Node.js or Python runtime (its <c>bootstrap</c> under the runtimes folder) on the machine's interpreter.</summary>
internal enum RuntimeFamily
{
    Provided,
    NodeJs,
    Python,
}
