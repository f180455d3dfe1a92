namespace Gateway.RuntimeApi.Kestrel;

/// <summary>Maps a Runtime API request path (Kestrel's decoded <c>Request.Path</c>) to its route, as
/// <see cref="RuntimeRequestParser.ParseTarget"/> does from the raw bytes for the hand-written server.</summary>
internal static class KestrelRuntimeRoutes
{
    private const string Prefix = "/2018-06-01/runtime/";
    private const string Invocation = "invocation/";

    /// <summary>The route of <paramref name="path"/>; for /invocation/{id}/response|error, the id in <paramref name="id"/>.</summary>
    public static RuntimeRoute Parse(string? path, out ReadOnlySpan<char> id)
    {
        id = default;
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return path is "/2018-06-01/ping" or "/2018-06-01/ping/" ? RuntimeRoute.Ping : RuntimeRoute.Unknown; // a trailing '/' as ParseTarget
        }
        var rest = path.AsSpan(Prefix.Length);
        if (rest.Length > 1 && rest[^1] == '/')
        {
            rest = rest[..^1];
        }
        if (rest.SequenceEqual("invocation/next"))
        {
            return RuntimeRoute.Next;
        }
        if (rest.SequenceEqual("init/error"))
        {
            return RuntimeRoute.InitError;
        }
        if (!rest.StartsWith(Invocation, StringComparison.Ordinal))
        {
            return RuntimeRoute.Unknown;
        }
        rest = rest[Invocation.Length..];
        int slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return RuntimeRoute.Unknown;
        }
        var action = rest[(slash + 1)..];
        var route = action.SequenceEqual("response") ? RuntimeRoute.Response
            : action.SequenceEqual("error") ? RuntimeRoute.Error
            : RuntimeRoute.Unknown;
        if (route != RuntimeRoute.Unknown)
        {
            id = rest[..slash];
        }
        return route;
    }
}
