namespace Gateway.Async.EventInvokeConfig;

/// <summary>What kind of place an Event invocation's record is sent to.</summary>
internal enum DestinationKind
{
    /// <summary>Another function of this gateway, invoked asynchronously with the record as its event.</summary>
    Function,

    /// <summary>An SQS queue, SNS topic, EventBridge bus or S3 bucket, kept locally (JSON lines) under the data folder.</summary>
    LocalQueue,

    /// <summary>A local folder (<c>file:///abs/path</c>): one file per record.</summary>
    Folder,

    /// <summary>An http:// or https:// URL: the record is POSTed to it.</summary>
    Http,
}

/// <summary>
/// A parsed destination (OnSuccess/OnFailure of a FunctionEventInvokeConfig, or a DeadLetterConfig target).
/// Exactly one group of members is set, by <see cref="Kind"/>:
/// <list type="bullet">
/// <item><see cref="DestinationKind.Function"/>: <see cref="FunctionName"/> (region and account already checked).</item>
/// <item><see cref="DestinationKind.LocalQueue"/>: <see cref="Service"/> (<c>sqs</c>, <c>sns</c>, <c>events</c>, <c>s3</c>) and <see cref="Name"/>
/// (queue, topic, bus — without the <c>event-bus/</c> prefix — or bucket).</item>
/// <item><see cref="DestinationKind.Folder"/>: <see cref="FolderPath"/>, absolute.</item>
/// <item><see cref="DestinationKind.Http"/>: <see cref="Uri"/>, absolute http or https.</item>
/// </list>
/// <see cref="Value"/> is always the string as configured (what the API returns and what is persisted).
/// </summary>
internal sealed record DestinationAddress(
    DestinationKind Kind,
    string Value,
    string? FunctionName = null,
    string? Service = null,
    string? Name = null,
    string? FolderPath = null,
    Uri? Uri = null)
{
    /// <summary>The accepted forms, for error messages and documentation.</summary>
    public const string AcceptedForms =
        "arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}] (a function of this gateway), " +
        "arn:aws:sqs:{region}:{account}:{queue}, arn:aws:sns:{region}:{account}:{topic}, " +
        "arn:aws:events:{region}:{account}:event-bus/{bus}, arn:aws:s3:::{bucket}, " +
        "file:///absolute/folder, http://… or https://… URLs";

    /// <summary>
    /// Parses <paramref name="value"/>. ARNs must name this gateway's <paramref name="region"/> and
    /// <paramref name="accountId"/> (S3 ARNs carry neither). Whether a function destination exists is the
    /// caller's check. On failure <paramref name="error"/> says why, in a sentence.
    /// </summary>
    public static bool TryParse(string value, string region, string accountId, out DestinationAddress? address, out string? error)
    {
        if (!TryParseForm(value, region, accountId, out address, out error))
        {
            return false;
        }
        // Delivery parses the string again (Destinations/DestinationTarget); never accept what it would refuse.
        if (!Destinations.DestinationTarget.TryParse(value, out _, out var deliveryError))
        {
            address = null;
            error = $"Gateway cannot deliver to it ({deliveryError}).";
            return false;
        }
        return true;
    }

    /// <summary>True for a destination AWS itself would refuse as a service it does not send records to: an ARN of
    /// another service than lambda, sqs, sns, events and s3, or a kafka:// address (Kafka is an event source
    /// mapping's destination, not an event invoke config's).</summary>
    public static bool IsOutsideAwsServices(string value)
    {
        if (value.StartsWith("kafka://", StringComparison.Ordinal))
        {
            return true;
        }
        var parts = value.Split(':', 4);
        return parts.Length >= 3 && parts[0] == "arn" && !IsDestinationService(parts[2]);
    }

    /// <summary>The services whose ARNs AWS accepts as a destination (and the gateway keeps locally or invokes).</summary>
    private static bool IsDestinationService(string service) => service is "lambda" or "sqs" or "sns" or "events" or "s3";

    private static bool TryParseForm(string value, string region, string accountId, out DestinationAddress? address, out string? error)
    {
        address = null;
        error = null;
        if (value.StartsWith("arn:", StringComparison.Ordinal))
        {
            return TryParseArn(value, region, accountId, out address, out error);
        }
        if (value.StartsWith("file://", StringComparison.Ordinal))
        {
            // file:///abs/path only: a host part (file://server/…) or a relative path has no meaning here.
            if (!System.Uri.TryCreate(value, UriKind.Absolute, out var fileUri) || !fileUri.IsFile || !string.IsNullOrEmpty(fileUri.Host)
                || !value.StartsWith("file:///", StringComparison.Ordinal))
            {
                error = $"'{value}' is not a file:///absolute/folder URL.";
                return false;
            }
            var path = fileUri.LocalPath;
            if (!Path.IsPathRooted(path))
            {
                error = $"'{value}' is not a file:///absolute/folder URL.";
                return false;
            }
            address = new DestinationAddress(DestinationKind.Folder, value, FolderPath: Path.TrimEndingDirectorySeparator(path) is { Length: > 0 } p ? p : "/");
            return true;
        }
        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!System.Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != System.Uri.UriSchemeHttp && uri.Scheme != System.Uri.UriSchemeHttps)
                || string.IsNullOrEmpty(uri.Host))
            {
                error = $"'{value}' is not an absolute http:// or https:// URL.";
                return false;
            }
            address = new DestinationAddress(DestinationKind.Http, value, Uri: uri);
            return true;
        }
        error = $"'{value}' is not a supported destination.";
        return false;
    }

    private static bool TryParseArn(string value, string region, string accountId, out DestinationAddress? address, out string? error)
    {
        address = null;
        error = null;
        // arn:partition:service:region:account:resource — the resource may itself contain ':' (not for the
        // services accepted here, which keeps the split simple).
        var parts = value.Split(':', 6);
        if (parts.Length != 6 || !parts[1].StartsWith("aws", StringComparison.Ordinal) || parts[5].Length == 0)
        {
            error = $"'{value}' is not a well-formed ARN (arn:aws:service:region:account:resource).";
            return false;
        }
        string service = parts[2], arnRegion = parts[3], account = parts[4], resource = parts[5];
        if (service == "s3")
        {
            // arn:aws:s3:::bucket — buckets have no region or account in their ARN.
            if (arnRegion.Length != 0 || account.Length != 0 || !IsName(resource, allowDots: true))
            {
                error = $"'{value}' is not an S3 bucket ARN (arn:aws:s3:::bucket).";
                return false;
            }
            address = new DestinationAddress(DestinationKind.LocalQueue, value, Service: "s3", Name: resource);
            return true;
        }
        if (!IsDestinationService(service))
        {
            error = $"'{value}': the service '{service}' is not a supported destination.";
            return false;
        }
        if (arnRegion != region || account != accountId)
        {
            error = $"'{value}' is not in this gateway's region and account ({region}, {accountId}).";
            return false;
        }
        switch (service)
        {
            case "lambda":
            {
                // function:name, or function:name:qualifier (a version or an alias, as CDK's LambdaDestination names
                // one): the record is that version's event.
                var function = resource.StartsWith("function:", StringComparison.Ordinal) ? resource["function:".Length..] : "";
                int colon = function.IndexOf(':');
                var qualifier = colon < 0 ? null : function[(colon + 1)..];
                function = colon < 0 ? function : function[..colon];
                if (!IsName(function, allowDots: false) || (qualifier is not null && !IsQualifier(qualifier)))
                {
                    error = $"'{value}' is not a function ARN (arn:aws:lambda:{region}:{accountId}:function:name[:qualifier]).";
                    return false;
                }
                address = new DestinationAddress(DestinationKind.Function, value, FunctionName: function);
                return true;
            }
            case "events":
                if (!resource.StartsWith("event-bus/", StringComparison.Ordinal) || !IsName(resource["event-bus/".Length..], allowDots: true))
                {
                    error = $"'{value}' is not an event bus ARN (arn:aws:events:{region}:{accountId}:event-bus/name).";
                    return false;
                }
                address = new DestinationAddress(DestinationKind.LocalQueue, value, Service: "events", Name: resource["event-bus/".Length..]);
                return true;
            default: // sqs, sns
                if (!IsName(resource, allowDots: true))
                {
                    error = $"'{value}' does not end in a valid {(service == "sqs" ? "queue" : "topic")} name.";
                    return false;
                }
                address = new DestinationAddress(DestinationKind.LocalQueue, value, Service: service, Name: resource);
                return true;
        }
    }

    /// <summary>A version or alias: Lambda's qualifier pattern <c>[a-zA-Z0-9$_-]+</c>, at most 128 characters.</summary>
    private static bool IsQualifier(string qualifier)
        => qualifier.Length is > 0 and <= 128 && qualifier.All(static c => char.IsAsciiLetterOrDigit(c) || c is '$' or '_' or '-');

    /// <summary>Names become file names downstream: letters, digits, '-', '_' (and '.' where AWS allows it), 1–256.</summary>
    private static bool IsName(string name, bool allowDots)
    {
        if (name.Length is 0 or > 256 || name is "." or "..")
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_') && !(allowDots && c == '.'))
            {
                return false;
            }
        }
        return true;
    }
}
