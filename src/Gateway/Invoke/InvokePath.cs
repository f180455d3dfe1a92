namespace Gateway.Invoke;

/// <summary>
/// The Invoke API's path in the one spelling every SDK sends, <c>/2015-03-31/functions/{FunctionName}/invocations</c>,
/// recognized ahead of routing (<see cref="UseAheadOfRouting"/>): an invocation then skips endpoint matching (the
/// DFA matcher, route values, the endpoint middleware), about 2 % of the gateway's CPU per invocation in a profile.
/// </summary>
/// <remarks>
/// Only what routing would send to the same endpoint is taken: POST, the literal segments in this exact case, one
/// non-empty name segment, no trailing slash. Every other spelling (routing's literals are case-insensitive and it
/// ignores a trailing slash) goes on to routing, which answers it exactly as before. Kestrel has already decoded the
/// path (except <c>%2F</c>, which it leaves as is, as routing does), so the name is the route value routing would give.
/// </remarks>
internal static class InvokePath
{
    private const string Prefix = "/2015-03-31/functions/";
    private const string Suffix = "/invocations";

    /// <summary>The function name (or ARN) segment when <paramref name="path"/> is the Invoke API's path.</summary>
    public static bool TryGetFunctionName(string? path, out string name)
    {
        name = "";
        if (path is null || path.Length <= Prefix.Length + Suffix.Length
            || !path.StartsWith(Prefix, StringComparison.Ordinal) || !path.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return false;
        }
        var segment = path.AsSpan(Prefix.Length, path.Length - Prefix.Length - Suffix.Length);
        if (segment.Contains('/'))
        {
            return false;
        }
        // The last name served is reused when the same function is invoked again (the common case under load): no
        // new string per invocation. A race only makes a thread see an older name, which then does not match.
        var last = _lastName;
        if (segment.SequenceEqual(last))
        {
            name = last;
            return true;
        }
        name = segment.ToString();
        _lastName = name;
        return true;
    }

    private static string _lastName = "";

    /// <summary>Serves invocations before routing; placed after every middleware that must see them (the URL front
    /// door, the probes, SigV4) and right before <c>UseRouting</c>.</summary>
    public static void UseAheadOfRouting(IApplicationBuilder app, InvokeEndpoint invoke) => app.Use(next => context =>
    {
        var request = context.Request;
        return HttpMethods.IsPost(request.Method) && TryGetFunctionName(request.Path.Value, out var name)
            ? invoke.HandleAsync(context, name)
            : next(context);
    });
}
