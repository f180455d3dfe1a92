using Gateway.Fuzz.Targets;

namespace Gateway.Fuzz;

/// <summary>Every target, by the name <c>scripts/fuzz.sh</c> and the corpus folders use.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("function-ref", "Invoke/FunctionReference.cs: FunctionName (name, partial and full ARN) and Qualifier", FunctionReferenceTarget.Run),
        new("invoke-headers", "Invoke/InvokeRequestHeaders.cs: X-Amz-Invocation-Type, X-Amz-Log-Type, X-Amz-Client-Context", InvokeHeadersTarget.Run),
        new("runtime-request", "RuntimeApi: RuntimeRequestParser (request head), then BodyReader/StreamedBodyReader on its body", RuntimeRequestTarget.Run),
        new("runtime-chunked", "RuntimeApi: BodyReader and StreamedBodyReader on a chunked body (trailers included)", RuntimeChunkedTarget.Run),
        new("runtime-client", "Gateway.Runtime: ResponseHeadParser and ChunkedBodyDecoder (the C# runtime client)", RuntimeClientTarget.Run),
        new("zip", "Functions/Code/ZipExtractor.cs: a deployment package extracted into an empty folder", ZipTarget.Run),
        new("url-event", "FunctionUrls/Http/UrlEventWriter.cs: an HTTP request written as the payload-2.0 event", UrlEventTarget.Run),
        new("url-response", "FunctionUrls/Http/UrlResponseMapper.cs: a function's output mapped to the URL's response", UrlResponseTarget.Run),
        new("sigv4", "Security/Signing: a signed request through RequestSigning.VerifyAsync and its body's hash; credentials files", SigV4Target.Run),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
