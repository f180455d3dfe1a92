using Gateway.Functions;
using Gateway.Functions.Registry;

namespace Gateway.FunctionUrls;

/// <summary>Function URLs wired into the app: the registry (persisted in registry.db), the API, and the front
/// door ahead of routing. Program.cs calls <see cref="Map"/> once, before anything else adds middleware.</summary>
internal static class FunctionUrlSetup
{
    /// <exception cref="RegistryStoreException">The store cannot be opened or read.</exception>
    public static SqliteFunctionUrlStore Map(WebApplication app, FunctionRegistry registry, FunctionResolver resolver, GatewayOptions options,
        TimeProvider time, string dataDirectory, FunctionUrlInvoker invoker, IFunctionUrlAuthorizer? authorizer = null)
    {
        var store = SqliteFunctionUrlStore.Open(Path.Combine(dataDirectory, SqliteRegistryStore.FileName));
        var urls = new FunctionUrlRegistry(registry, store, note => Console.WriteLine("[gateway] " + note));
        var domain = new FunctionUrlDomain(options.Region, options.UrlDomainSuffix);
        FunctionUrlEndpoints.Map(app, urls, resolver, domain, time);
        var router = new FunctionUrlRouter(urls, domain, authorizer ?? new UnsignedFunctionUrlAuthorizer(), invoker);
        // Routing comes after the front door (Program.cs calls UseRouting): a URL request never pays for matching the
        // API's routes.
        app.Use(next => context => router.RouteAsync(context, next));
        return store;
    }
}
