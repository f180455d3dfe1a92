using System.Text.RegularExpressions;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// TagResource (POST, 204), ListTags (GET) and UntagResource (DELETE ?tagKeys=, 204) on /2017-03-31/tags/{ARN}, for
/// functions (the only taggable resource here). Messages are AWS's (LS-REC TestLambdaTag, TestLambdaTags).
/// </summary>
internal sealed partial class TagEndpoints(ManagementContext context)
{
    /// <summary>The Resource pattern exactly as AWS states it in its ValidationException (LS-REC invalid_arn_exception).</summary>
    public const string ResourcePattern = @"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)";

    public const string QualifiedRefused = "Tags on function aliases and versions are not supported. Please specify a function ARN.";

    [GeneratedRegex(@"\A(?:" + ResourcePattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceRegex();

    [GeneratedRegex(@"\Aarn:[^:]+:lambda:([^:]+):(\d{12}):function:([a-zA-Z0-9-_]+)(?::(.+))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionArnRegex();

    public async Task TagAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var (name, arn, error) = ParseResource(http);
        if (error is not null)
        {
            await ManagementHttp.ErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        var (request, bodyError) = await JsonBodyReader.ReadAsync(http, ManagementJsonContext.Wire.TagResourceRequest, ManagementHttp.SmallBodyLimit, static () => new TagResourceRequest(), nullIsEmpty: true).ConfigureAwait(false);
        if (request is null)
        {
            if (bodyError is not null)
            {
                await ManagementHttp.ErrorAsync(http, bodyError).ConfigureAwait(false);
            }
            return;
        }
        if (request.Tags is not { Count: > 0 } tags)
        {
            // AWS's answer to an empty Tags map (LS-REC tag_empty_tags).
            await ManagementHttp.ErrorAsync(http, LambdaError.InvalidParameterValue("An error occurred and the request cannot be processed.")).ConfigureAwait(false);
            return;
        }
        var outcome = ManagementEndpoints.Change(context, s => FunctionChanges.Tag(s, name!, arn!, tags));
        if (outcome.Error is { } refused)
        {
            await ManagementHttp.ErrorAsync(http, refused).ConfigureAwait(false);
            return;
        }
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public async Task ListAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var (name, arn, error) = ParseResource(http);
        if (error is not null)
        {
            await ManagementHttp.ErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        if (!context.Registry.Current.TryGet(name!, out var function))
        {
            await ManagementHttp.ErrorAsync(http, FunctionChanges.FunctionNotFound(arn!)).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, new ListTagsResponse { Tags = new Dictionary<string, string>(function.Tags, StringComparer.Ordinal) },
            ManagementJsonContext.Wire.ListTagsResponse).ConfigureAwait(false);
    }

    public async Task UntagAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var (name, arn, error) = ParseResource(http);
        if (error is not null)
        {
            await ManagementHttp.ErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        if (!http.Request.Query.TryGetValue("tagKeys", out var keys) || keys.Count == 0)
        {
            // LS-REC untag_empty_keys
            await ManagementHttp.ErrorAsync(http, LambdaError.Validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")).ConfigureAwait(false);
            return;
        }
        var outcome = ManagementEndpoints.Change(context, s => FunctionChanges.Untag(s, name!, arn!, keys.Select(k => k ?? "")));
        if (outcome.Error is { } refused)
        {
            await ManagementHttp.ErrorAsync(http, refused).ConfigureAwait(false);
            return;
        }
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The Resource ARN → a function name and its unqualified ARN; AWS's ValidationException off the pattern,
    /// InvalidParameterValueException for a qualified ARN, the region/account checks of every other operation.</summary>
    internal (string? Name, string? Arn, LambdaError? Error) ParseResource(HttpContext http) =>
        ParseResource(http.GetRouteValue("Resource") as string ?? "");

    internal (string? Name, string? Arn, LambdaError? Error) ParseResource(string resource)
    {
        if (!ResourceRegex().IsMatch(resource))
        {
            return (null, null, LambdaError.Validation($"1 validation error detected: Value '{resource}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: {ResourcePattern}"));
        }
        var match = FunctionArnRegex().Match(resource);
        if (!match.Success)
        {
            return (null, null, NotAFunction(resource));
        }
        if (match.Groups[4].Success)
        {
            return (null, null, LambdaError.InvalidParameterValue(QualifiedRefused));
        }
        var region = match.Groups[1].Value;
        if (region != context.Region)
        {
            return (null, null, LambdaError.ResourceNotFound($"Functions from '{region}' are not reachable in this region ('{context.Region}')"));
        }
        if (match.Groups[2].Value != context.AccountId)
        {
            return (null, null, LambdaError.AccessDenied($"The function's account {match.Groups[2].Value} is not this gateway's account ({context.AccountId})."));
        }
        var name = match.Groups[3].Value;
        return (name, context.Resolver.ArnOf(name), null);
    }

    /// <summary>A taggable resource that is not a function. No event-source mapping or capacity provider exists here
    /// (their Get/Update/Delete answer 404 too), so those get AWS's not-found answer with the ARN as given (LS-REC
    /// TestLambdaTag::test_tag_exceptions[event_source_mapping], [capacity_provider]: tag, untag and list alike).</summary>
    private static LambdaError NotAFunction(string resource)
    {
        string kind = resource.Split(':') is { Length: > 5 } parts ? parts[5] : "";
        return kind switch
        {
            "event-source-mapping" => LambdaError.ResourceNotFound("Event source mapping not found: " + resource),
            "capacity-provider" => CapacityProviderRules.NotFound(resource),
            _ => LambdaError.InvalidParameterValue("Only functions can be tagged on this gateway."),
        };
    }
}
