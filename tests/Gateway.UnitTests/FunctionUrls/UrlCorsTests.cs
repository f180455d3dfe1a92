using Gateway.FunctionUrls;
using Gateway.FunctionUrls.Http;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.FunctionUrls;

public class UrlCorsTests
{
    private static readonly FunctionUrlCors Specific = new(false, ["content-type", "x-custom"], ["GET", "POST"], ["https://app.example.com"], ["x-exposed"], 3600);
    private static readonly FunctionUrlCors Wildcard = new(null, ["*"], ["*"], ["*"], null, null);

    private static DefaultHttpContext Preflight(string origin, string method, string? requestHeaders = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "OPTIONS";
        context.Request.Headers.Origin = origin;
        context.Request.Headers.AccessControlRequestMethod = method;
        if (requestHeaders is not null)
        {
            context.Request.Headers.AccessControlRequestHeaders = requestHeaders;
        }
        return context;
    }

    [Fact]
    public void Preflight_needs_a_cors_config_an_origin_and_a_requested_method()
    {
        Assert.True(UrlCors.IsPreflight(Preflight("https://a", "GET").Request, Specific));
        Assert.False(UrlCors.IsPreflight(Preflight("https://a", "GET").Request, null)); // no Cors: the function gets the OPTIONS
        var noMethod = new DefaultHttpContext();
        noMethod.Request.Method = "OPTIONS";
        noMethod.Request.Headers.Origin = "https://a";
        Assert.False(UrlCors.IsPreflight(noMethod.Request, Specific));
    }

    [Fact]
    public void Allowed_preflight_gets_every_configured_header()
    {
        var context = Preflight("https://app.example.com", "POST", "content-type");
        UrlCors.WritePreflight(context.Request, context.Response, Specific);
        var h = context.Response.Headers;
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("https://app.example.com", h.AccessControlAllowOrigin.ToString());
        Assert.Equal("Origin", h.Vary.ToString());
        Assert.Equal("GET,POST", h.AccessControlAllowMethods.ToString());
        Assert.Equal("content-type,x-custom", h.AccessControlAllowHeaders.ToString());
        Assert.Equal("x-exposed", h.AccessControlExposeHeaders.ToString());
        Assert.Equal("3600", h.AccessControlMaxAge.ToString());
        Assert.Equal(0, h.AccessControlAllowCredentials.Count); // false: not sent
    }

    [Fact]
    public void Disallowed_origin_gets_200_without_cors_headers()
    {
        var context = Preflight("https://evil.example.com", "POST");
        UrlCors.WritePreflight(context.Request, context.Response, Specific);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(0, context.Response.Headers.AccessControlAllowOrigin.Count);
        Assert.Equal(0, context.Response.Headers.AccessControlAllowMethods.Count);
    }

    [Fact]
    public void Disallowed_method_gets_200_without_cors_headers()
    {
        var context = Preflight("https://app.example.com", "DELETE");
        UrlCors.WritePreflight(context.Request, context.Response, Specific);
        Assert.Equal(0, context.Response.Headers.AccessControlAllowOrigin.Count);
    }

    [Fact]
    public void Wildcards_answer_star_and_echo_the_requested_method_and_headers()
    {
        var context = Preflight("https://any.example", "PATCH", "authorization,x-a");
        UrlCors.WritePreflight(context.Request, context.Response, Wildcard);
        var h = context.Response.Headers;
        Assert.Equal("*", h.AccessControlAllowOrigin.ToString());
        Assert.Equal(0, h.Vary.Count);
        Assert.Equal("PATCH", h.AccessControlAllowMethods.ToString());
        Assert.Equal("authorization,x-a", h.AccessControlAllowHeaders.ToString());
        Assert.Equal(0, h.AccessControlMaxAge.Count);
    }

    [Fact]
    public void Credentials_with_wildcard_origin_echo_the_origin()
    {
        var cors = Wildcard with { AllowCredentials = true };
        var context = Preflight("https://any.example", "GET");
        UrlCors.WritePreflight(context.Request, context.Response, cors);
        Assert.Equal("https://any.example", context.Response.Headers.AccessControlAllowOrigin.ToString());
        Assert.Equal("true", context.Response.Headers.AccessControlAllowCredentials.ToString());
        Assert.Equal("Origin", context.Response.Headers.Vary.ToString());
    }

    [Fact]
    public void Response_headers_for_an_allowed_origin_override_the_functions()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Headers.Origin = "https://app.example.com";
        context.Response.Headers.AccessControlAllowOrigin = "https://function-said.example";
        UrlCors.AddToResponse(context.Request, context.Response, Specific);
        Assert.Equal("https://app.example.com", context.Response.Headers.AccessControlAllowOrigin.ToString());
        Assert.Equal("x-exposed", context.Response.Headers.AccessControlExposeHeaders.ToString());
        Assert.Equal(0, context.Response.Headers.AccessControlAllowMethods.Count); // preflight-only header
    }

    [Fact]
    public void No_origin_or_no_config_adds_nothing()
    {
        var context = new DefaultHttpContext();
        UrlCors.AddToResponse(context.Request, context.Response, Specific);
        Assert.Equal(0, context.Response.Headers.AccessControlAllowOrigin.Count);
        context.Request.Headers.Origin = "https://app.example.com";
        UrlCors.AddToResponse(context.Request, context.Response, null);
        Assert.Equal(0, context.Response.Headers.AccessControlAllowOrigin.Count);
    }
}
