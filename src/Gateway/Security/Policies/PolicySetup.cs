using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.FunctionUrls;
using Gateway.Management;

namespace Gateway.Security.Policies;

/// <summary>Resource-based policies wired into the app: the store (registry.db's <c>function_policies</c> table), the
/// registry that follows the functions, the API, and the checks. Program.cs calls <see cref="Open"/> before the URL
/// front door is set up (the URL authorizer needs the checks) and <see cref="Map"/> with the other APIs.</summary>
internal static class PolicySetup
{
    /// <exception cref="RegistryStoreException">The store cannot be opened or read.</exception>
    public static (FunctionPolicies Policies, SqlitePolicyStore Store) Open(FunctionRegistry registry, FunctionResolver resolver, GatewayOptions options, string dataDirectory)
    {
        var store = SqlitePolicyStore.Open(Path.Combine(dataDirectory, SqliteRegistryStore.FileName));
        var policies = new PolicyRegistry(registry, store, note => Console.WriteLine("[gateway] " + note));
        return (new FunctionPolicies(policies, resolver, options), store);
    }

    /// <summary>The URL authorizer: the policy check after <paramref name="inner"/> (which verifies signatures, or
    /// refuses AWS_IAM URLs when authentication is off).</summary>
    public static IFunctionUrlAuthorizer UrlAuthorizer(IFunctionUrlAuthorizer inner, FunctionPolicies policies, GatewayOptions options) =>
        new PolicyFunctionUrlAuthorizer(inner, policies, options);

    public static void Map(WebApplication app, FunctionPolicies policies, FunctionResolver resolver) => PolicyEndpoints.Map(app, policies.Registry, resolver);
}
