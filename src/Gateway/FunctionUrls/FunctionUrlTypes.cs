namespace Gateway.FunctionUrls;
internal sealed record FunctionUrlCors(bool? AllowCredentials, IReadOnlyList<string>? AllowHeaders, IReadOnlyList<string>? AllowMethods,
    IReadOnlyList<string>? AllowOrigins, IReadOnlyList<string>? ExposeHeaders, int? MaxAge);
internal enum FunctionUrlAuthType { None, AwsIam }
internal enum FunctionUrlInvokeMode { Buffered, ResponseStream }
/// One URL's config as the router hands it on: which function and qualifier ($LATEST or an alias) it invokes.
internal sealed record FunctionUrlRoute(string UrlId, string FunctionName, string? Qualifier, FunctionUrlAuthType AuthType,
    FunctionUrlCors? Cors, FunctionUrlInvokeMode InvokeMode, string DomainName);
