namespace Gateway.Async.Destinations;

internal enum DestinationKind
{
    /// <summary>A gateway function, invoked asynchronously with the record as its event.</summary>
    Function,

    /// <summary>An SQS queue, SNS topic, EventBridge bus or S3 bucket: a JSON-lines file under the data directory.</summary>
    ServiceFile,

    /// <summary>A local folder (<c>file:///abs/path</c>): a JSON-lines file per function.</summary>
    Folder,

    /// <summary>An http(s) URL the record is POSTed to.</summary>
    Http,
}

/// <summary>
/// Where a record goes, parsed from a destination string: an ARN (<c>arn:aws:lambda|sqs|sns|events|s3:…</c>), a
/// <c>file:///</c> folder or an <c>http(s)://</c> URL. Names that become file names are checked to be safe ones.
/// </summary>
/// <param name="Service">For <see cref="DestinationKind.ServiceFile"/>: <c>sqs</c>, <c>sns</c>, <c>events</c> or <c>s3</c>.</param>
/// <param name="Name">The function, queue, topic, bus or bucket name.</param>
/// <param name="Folder">For <see cref="DestinationKind.Folder"/>: the absolute folder.</param>
/// <param name="Url">For <see cref="DestinationKind.Http"/>: the URL.</param>
/// <param name="Qualifier">A function destination's version or alias (<c>function:name:qualifier</c>), else null.</param>
internal readonly record struct DestinationTarget(DestinationKind Kind, string Service, string Name, string? Folder, Uri? Url, string? Qualifier = null)
{
    /// <summary>Parses <paramref name="destination"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? destination, out DestinationTarget target, out string error)
    {
        target = default;
        error = "";
        if (string.IsNullOrWhiteSpace(destination))
        {
            error = "empty destination";
            return false;
        }
        if (destination.StartsWith("arn:", StringComparison.Ordinal))
        {
            return TryParseArn(destination, out target, out error);
        }
        if (destination.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (Uri.TryCreate(destination, UriKind.Absolute, out var file) && file.IsFile && !file.IsUnc
                && (file.Host.Length == 0 || file.IsLoopback) && Path.IsPathFullyQualified(file.LocalPath))
            {
                target = new(DestinationKind.Folder, "", "", file.LocalPath, null);
                return true;
            }
            error = "a file destination is file:///absolute/folder";
            return false;
        }
        if (Uri.TryCreate(destination, UriKind.Absolute, out var url)
            && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            target = new(DestinationKind.Http, "", "", null, url);
            return true;
        }
        error = "not an ARN, file:/// folder or http(s) URL";
        return false;
    }

    private static bool TryParseArn(string arn, out DestinationTarget target, out string error)
    {
        target = default;
        // arn:partition:service:region:account:resource — the resource may hold more colons (lambda).
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || !parts[1].StartsWith("aws", StringComparison.Ordinal))
        {
            error = "malformed ARN";
            return false;
        }
        string service = parts[2];
        string resource = parts[5];
        string? name = service switch
        {
            "lambda" => FunctionName(resource),
            "sqs" or "sns" => resource,
            "events" => resource.StartsWith("event-bus/", StringComparison.Ordinal) ? resource["event-bus/".Length..] : null,
            "s3" => resource,
            _ => null,
        };
        if (name is null)
        {
            error = $"unsupported destination service '{service}' (lambda, sqs, sns, events, s3)";
            return false;
        }
        if (!IsSafeName(name))
        {
            error = $"'{name}' is not a valid {service} name";
            return false;
        }
        error = "";
        target = service == "lambda"
            ? new(DestinationKind.Function, service, name, null, null, FunctionQualifier(resource))
            : new(DestinationKind.ServiceFile, service, name, null, null);
        return true;
    }

    /// <summary><c>function:name:qualifier</c> → qualifier; null without one.</summary>
    private static string? FunctionQualifier(string resource)
    {
        int colon = resource.IndexOf(':', "function:".Length);
        return colon < 0 || colon == resource.Length - 1 ? null : resource[(colon + 1)..];
    }

    /// <summary><c>function:name</c> or <c>function:name:qualifier</c> → name.</summary>
    private static string? FunctionName(string resource)
    {
        if (!resource.StartsWith("function:", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = resource.AsSpan("function:".Length);
        int colon = rest.IndexOf(':');
        return (colon < 0 ? rest : rest[..colon]).ToString();
    }

    /// <summary>1–256 letters, digits, '.', '-', '_', not starting with '.': also a safe file name.</summary>
    internal static bool IsSafeName(string name)
    {
        if (name.Length is 0 or > 256 || name[0] == '.')
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }
        return true;
    }
}
