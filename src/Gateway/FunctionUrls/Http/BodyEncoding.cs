namespace Gateway.FunctionUrls.Http;

/// <summary>
/// Whether a request body goes into the event as text or as base64 (<c>isBase64Encoded: true</c>).
/// </summary>
/// <remarks>
/// AWS does not document the list for function URLs. Recorded AWS behaviour (LocalStack's snapshot
/// <c>test_lambda_url_form_payload</c>, validated against AWS) shows a <c>multipart/form-data</c> body arriving base64,
/// and <c>application/json</c> as text; function URLs are known to deliver <c>application/x-www-form-urlencoded</c>
/// base64 too. So: text for <c>text/*</c> and for JSON, XML, JavaScript and YAML types (including <c>+json</c>/<c>+xml</c>
/// suffixes); everything else — and a body without a Content-Type — is base64. A "text" body that is not valid UTF-8
/// is base64 as well (JSON cannot carry it).
/// </remarks>
internal static class BodyEncoding
{
    public static bool IsText(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }
        var type = contentType.AsSpan();
        int semicolon = type.IndexOf(';');
        if (semicolon >= 0)
        {
            type = type[..semicolon];
        }
        type = type.Trim();
        if (type.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        int slash = type.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }
        var subtype = type[(slash + 1)..];
        return subtype.Equals("json", StringComparison.OrdinalIgnoreCase)
            || subtype.Equals("xml", StringComparison.OrdinalIgnoreCase)
            || subtype.Equals("javascript", StringComparison.OrdinalIgnoreCase)
            || subtype.Equals("x-javascript", StringComparison.OrdinalIgnoreCase)
            || subtype.Equals("yaml", StringComparison.OrdinalIgnoreCase)
            || subtype.Equals("x-yaml", StringComparison.OrdinalIgnoreCase)
            || subtype.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || subtype.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);
    }
}
