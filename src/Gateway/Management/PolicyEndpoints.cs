using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Invoke;
using Gateway.Security.Policies;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Lambda's resource-based policy API on botocore's paths and status codes (the rules: <see cref="PolicyRules"/>):
/// <list type="bullet">
/// <item>POST   /2015-03-31/functions/{FunctionName}/policy?Qualifier=                          AddPermission (201)</item>
/// <item>GET    /2015-03-31/functions/{FunctionName}/policy?Qualifier=                          GetPolicy</item>
/// <item>DELETE /2015-03-31/functions/{FunctionName}/policy/{StatementId}?Qualifier=&amp;RevisionId=  RemovePermission (204)</item>
/// </list>
/// </summary>
internal sealed class PolicyEndpoints(PolicyRegistry policies, FunctionResolver resolver)
{
    private const string Path = "/2015-03-31/functions/{FunctionName}/policy";

    public static void Map(WebApplication app, PolicyRegistry policies, FunctionResolver resolver)
    {
        var endpoints = new PolicyEndpoints(policies, resolver);
        app.MapPost(Path, endpoints.AddAsync);
        app.MapGet(Path, endpoints.GetAsync);
        app.MapDelete(Path + "/{StatementId}", endpoints.RemoveAsync);
    }

    public async Task AddAsync(HttpContext context)
    {
        if (await ManagementHttp.ReadRequestAsync(context, resolver, queryQualifier: true, PolicyJsonContext.Default.AddPermissionRequest).ConfigureAwait(false) is not { } read)
        {
            return;
        }
        var (reference, request) = read;
        if (reference.Qualifier == FunctionVersions.Latest)
        {
            await ManagementHttp.ErrorAsync(context, LambdaError.InvalidParameterValue(PolicyRules.LatestMessage)).ConfigureAwait(false);
            return;
        }
        if (PolicyRules.CheckBody(request) is { } invalid)
        {
            await ManagementHttp.ErrorAsync(context, invalid).ConfigureAwait(false);
            return;
        }
        var outcome = ManagementHttp.Saved(() => policies.Change((functions, snapshot) => PolicyRules.Add(functions, snapshot, resolver, reference.Name, reference.Qualifier, request)));
        if (!outcome.IsOk)
        {
            await ManagementHttp.ErrorAsync(context, outcome.Error!).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(context, StatusCodes.Status201Created, new AddPermissionResponse { Statement = PolicyDocument.Render(outcome.Value!) },
            PolicyJsonContext.Default.AddPermissionResponse).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: true, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        var outcome = PolicyRules.Get(resolver.Registry.Current, policies.Current, resolver, reference.Name, reference.Qualifier);
        if (!outcome.IsOk)
        {
            await ManagementHttp.ErrorAsync(context, outcome.Error!).ConfigureAwait(false);
            return;
        }
        var policy = outcome.Value!;
        await ManagementHttp.WriteAsync(context, StatusCodes.Status200OK, new GetPolicyResponse { Policy = PolicyDocument.Render(policy.Statements), RevisionId = policy.RevisionId },
            PolicyJsonContext.Default.GetPolicyResponse).ConfigureAwait(false);
    }

    public async Task RemoveAsync(HttpContext context)
    {
        if (!ManagementHttp.TryReference(context, resolver, queryQualifier: true, out var reference, out var error))
        {
            await ManagementHttp.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        string statementId = context.GetRouteValue("StatementId") as string ?? "";
        if (PolicyRules.CheckStatementIdPath(statementId) is { } invalid)
        {
            await ManagementHttp.ErrorAsync(context, invalid).ConfigureAwait(false);
            return;
        }
        string? revisionId = context.Request.Query.TryGetValue("RevisionId", out var revision) ? revision.ToString() : null;
        var outcome = ManagementHttp.Saved(() => policies.Change((functions, snapshot) =>
            PolicyRules.Remove(functions, snapshot, resolver, reference.Name, reference.Qualifier, statementId, revisionId)));
        if (!outcome.IsOk)
        {
            await ManagementHttp.ErrorAsync(context, outcome.Error!).ConfigureAwait(false);
            return;
        }
        ManagementHttp.NoContent(context);
    }
}
