using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Hosting;

/// <summary>
/// Request features read and set through <see cref="IFeatureCollection"/>'s <c>Type</c> indexer instead of its generic
/// <c>Get&lt;T&gt;</c>/<c>Set&lt;T&gt;</c>. Those are generic virtual methods: under native AOT every call through the
/// interface resolves its target at run time (<c>TypeLoaderExports.GVMLookupForSlot</c>, a hashtable lookup that a
/// <c>perf</c> profile of the signed invoke path showed beside the verification itself). The indexer is an ordinary
/// interface call, and Kestrel's implementation answers it for the same features.
/// </summary>
internal static class FeatureAccess
{
    public static T? Fetch<T>(this IFeatureCollection features) where T : class => features[typeof(T)] as T;

    public static void Put<T>(this IFeatureCollection features, T? feature) where T : class => features[typeof(T)] = feature;
}
