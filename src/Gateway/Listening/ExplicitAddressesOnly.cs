using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Gateway.Listening;

/// <summary>
/// With HTTPS every address is bound by <see cref="GatewayListeners.Listen"/>, --urls included. The host still hands
/// --urls to the server just before it starts (it read them when the builder was made, so clearing the setting later
/// does not help), and Kestrel then warns "Overriding address(es) …", which reads as if the plain addresses were not
/// served. This filter runs between the two and empties that list: the server binds (and then lists) the explicit
/// addresses only.
/// </summary>
internal sealed class ExplicitAddressesOnly : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.ServerFeatures.Get<IServerAddressesFeature>()?.Addresses.Clear();
        next(app);
    };
}
