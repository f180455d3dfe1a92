using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.RuntimeApi.Kestrel;

/// <summary>
/// The whole "app" of the Runtime API's Kestrel server: each request goes to the <see cref="KestrelRuntimeConnection"/>
/// its connection carries. The HttpContext is reused per connection as ASP.NET Core's own hosting layer does
/// (<see cref="IHostContextContainer{TContext}"/>), so this adds nothing per request that a minimal app would not.
/// </summary>
internal sealed class RuntimeApiApplication : IHttpApplication<HttpContext>
{
    public HttpContext CreateContext(IFeatureCollection contextFeatures)
    {
        if (contextFeatures is IHostContextContainer<HttpContext> container)
        {
            if (container.HostContext is DefaultHttpContext reused)
            {
                reused.Initialize(contextFeatures);
                return reused;
            }
            var created = new DefaultHttpContext(contextFeatures);
            container.HostContext = created;
            return created;
        }
        return new DefaultHttpContext(contextFeatures);
    }

    public Task ProcessRequestAsync(HttpContext context)
    {
        // Kestrel's request features fall back to the connection's, where KestrelRuntimeApiServer.Serve put this.
        var connection = context.Features.Get<KestrelRuntimeConnection>()
            ?? throw new InvalidOperationException("A Runtime API request arrived on a connection no environment accepted.");
        return connection.HandleAsync(context);
    }

    public void DisposeContext(HttpContext context, Exception? exception)
    {
        if (context is DefaultHttpContext reused)
        {
            reused.Uninitialize();
        }
    }
}
