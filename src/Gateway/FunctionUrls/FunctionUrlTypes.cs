namespace Gateway.FunctionUrls;

// The types the function-URL pieces share (url-api, url-http, streaming code against these names; the issue-12
// contract fixes them, so keep them as they are).

/// <summary>A URL's CORS settings, as the API's <c>Cors</c> member holds them (null members: not set).</summary>
internal sealed record FunctionUrlCors(bool? AllowCredentials, IReadOnlyList<string>? AllowHeaders, IReadOnlyList<string>? AllowMethods,
    IReadOnlyList<string>? AllowOrigins, IReadOnlyList<string>? ExposeHeaders, int? MaxAge);

/// <summary><c>NONE</c> (public) or <c>AWS_IAM</c> (SigV4-signed callers only).</summary>
internal enum FunctionUrlAuthType { None, AwsIam }

/// <summary><c>BUFFERED</c> (Invoke) or <c>RESPONSE_STREAM</c> (InvokeWithResponseStream).</summary>
internal enum FunctionUrlInvokeMode { Buffered, ResponseStream }

/// <summary>One URL's config as the router hands it on: which function and qualifier ($LATEST or an alias) it invokes.</summary>
internal sealed record FunctionUrlRoute(string UrlId, string FunctionName, string? Qualifier, FunctionUrlAuthType AuthType,
    FunctionUrlCors? Cors, FunctionUrlInvokeMode InvokeMode, string DomainName);
