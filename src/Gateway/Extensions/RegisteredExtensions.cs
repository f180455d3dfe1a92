namespace Gateway.Extensions;

/// <summary>Which extensions an environment has registered when it shuts down (<see cref="ExtensionSet.BeginShutdown"/>).</summary>
internal enum RegisteredExtensions
{
    /// <summary>None: the runtime is killed at once.</summary>
    None,

    /// <summary>Internal ones only (threads or processes of the runtime's, which stop with it).</summary>
    InternalOnly,

    /// <summary>At least one external extension.</summary>
    External,
}
