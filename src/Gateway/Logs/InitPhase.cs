namespace Gateway.Logs;

/// <summary>
/// The phase an init ended in, as INIT_REPORT names it (<c>Phase: init</c> / <c>Phase: invoke</c>, platform.initReport's
/// <c>phase</c>): <see cref="Invoke"/> for an on-demand init that outlived the init phase's limit and went on as part of
/// the first invocation (AWS's retried init, lambda-runtime-environment.html).
/// </summary>
internal enum InitPhase
{
    Init,
    Invoke,
}

internal static class InitPhaseText
{
    public static string Of(InitPhase phase) => phase == InitPhase.Invoke ? "invoke" : "init";
}
