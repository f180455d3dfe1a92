using System.Collections.Immutable;
using Gateway.Functions;
using Gateway.Functions.Code;
using Gateway.Functions.Registry;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions and DeleteFunction on botocore's paths and
/// status codes. Updates are in <see cref="UpdateEndpoints"/>, versions in <see cref="VersionEndpoints"/>.
/// </summary>
internal sealed class FunctionEndpoints(ManagementContext context)
{
    /// <summary>AWS: Runtime and Handler are required for a zip function (wording as reported by AWS users; not in LS-REC).</summary>
    public const string RuntimeAndHandlerRequired = "Runtime and Handler are mandatory parameters for functions created with deployment packages.";

    /// <summary>POST /2015-03-31/functions → 201 FunctionConfiguration (Pending; Active right after).</summary>
    public async Task CreateAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        using var upload = await context.Code.ReadAsync(http, ManagementJsonContext.Wire.CreateFunctionRequest,
            ManagementBodyLimits.CreateFunction, ZipFileLocation.Code).ConfigureAwait(false);
        if (upload.Request is not { } request)
        {
            if (upload.Error is { } readError)
            {
                await ManagementHttp.ErrorAsync(http, readError).ConfigureAwait(false);
            }
            return;
        }
        if (Validate(request, upload.Zip is not null, out var name, out var layerVersions) is { } invalid)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        if (context.Code.Install(upload.Zip!, out var installed) is { } codeError)
        {
            await ManagementHttp.ErrorAsync(http, codeError).ConfigureAwait(false);
            return;
        }
        // The 250 MB counts the code and its layers together; then the layers' merged folder (its /opt).
        if (context.Layers.Bind(layerVersions, installed!.UnzippedSize, out var layers) is { } layersError)
        {
            await ManagementHttp.ErrorAsync(http, layersError).ConfigureAwait(false);
            return;
        }
        var now = context.Time.GetUtcNow();
        var function = NewFunction(name, request, installed!, layers, now);
        var outcome = ManagementEndpoints.Change(context, s => FunctionChanges.Create(s, function, request.Publish == true));
        if (outcome.Error is { } refused)
        {
            await ManagementHttp.ErrorAsync(http, refused).ConfigureAwait(false);
            return;
        }
        ManagementEndpoints.Settle(context, name, function.Latest.RevisionId);
        // AWS answers a create-and-publish with version 1's configuration under the unqualified ARN (LS-REC
        // test_publish_version_on_create), unlike every other answer for a version.
        await ManagementHttp.WriteAsync(http, StatusCodes.Status201Created,
            FunctionConfigurationJson.From(outcome.Version!, function.Arn), ManagementJsonContext.Wire.FunctionConfiguration).ConfigureAwait(false);
    }

    /// <summary>GET /2015-03-31/functions/{FunctionName}?Qualifier= → {Configuration, Code, Tags, Concurrency}.</summary>
    public async Task GetAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var (function, version, arn, error) = ManagementEndpoints.Resolve(http, context);
        if (error is not null)
        {
            await ManagementHttp.ErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        var response = new GetFunctionResponse
        {
            Configuration = FunctionConfigurationJson.From(version!, arn!),
            Code = new FunctionCodeLocation { Location = CodePackages.LocationOf(http.Request, version!.CodeSha256, context) },
            Tags = function!.Tags.IsEmpty ? null : new Dictionary<string, string>(function.Tags, StringComparer.Ordinal),
            Concurrency = function.ReservedConcurrentExecutions is { } reserved ? new ConcurrencyResponse { ReservedConcurrentExecutions = reserved } : null,
        };
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, response, ManagementJsonContext.Wire.GetFunctionResponse).ConfigureAwait(false);
    }

    /// <summary>GET /2015-03-31/functions/{FunctionName}/configuration?Qualifier= → FunctionConfiguration.</summary>
    public async Task GetConfigurationAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var (_, version, arn, error) = ManagementEndpoints.Resolve(http, context);
        if (error is not null)
        {
            await ManagementHttp.ErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, FunctionConfigurationJson.From(version!, arn!), ManagementJsonContext.Wire.FunctionConfiguration).ConfigureAwait(false);
    }

    /// <summary>GET /2015-03-31/functions/ (and without the slash) ?Marker=&amp;MaxItems=&amp;FunctionVersion=ALL.</summary>
    public async Task ListAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var query = http.Request.Query;
        bool all = false;
        if (query.TryGetValue("FunctionVersion", out var functionVersion))
        {
            if (functionVersion.ToString() != "ALL")
            {
                // LS-REC list_functions_invalid_functionversion
                await ManagementHttp.ErrorAsync(http, LambdaError.Validation($"1 validation error detected: Value '{functionVersion}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]")).ConfigureAwait(false);
                return;
            }
            all = true;
        }
        if (ManagementHttp.ReadMaxItems(http, out int maxItems) is { } maxError)
        {
            await ManagementHttp.ErrorAsync(http, maxError).ConfigureAwait(false);
            return;
        }
        if (query.TryGetValue("MasterRegion", out var masterRegion))
        {
            // Lambda@Edge: "filters the list of functions to include only Lambda@Edge functions replicated from a master
            // function" in that region; "If specified, you must set FunctionVersion to ALL" (API reference). There are
            // no replicas here: the list is empty, as AWS's is for a region without them (aws/aws-cli#2911, which also
            // recorded the refusal below, MasterArn and all).
            var region = masterRegion.ToString();
            var refusal = !FunctionRules.MasterRegionRegex().IsMatch(region)
                ? LambdaError.Validation($"1 validation error detected: Value '{region}' at 'masterRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ALL|[a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}")
                : !all
                    ? LambdaError.InvalidParameterValue($"The combination MasterArn={region} and FunctionVersion=NULL is not supported. Please see our documentation for valid combinations of ListFunctions options.")
                    : null;
            if (refusal is not null)
            {
                await ManagementHttp.ErrorAsync(http, refusal).ConfigureAwait(false);
                return;
            }
            await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, new ListFunctionsResponse { Functions = [] }, ManagementJsonContext.Wire.ListFunctionsResponse).ConfigureAwait(false);
            return;
        }
        var ordered = Pagination.Ordered(context.Registry.Current.All, all);
        var (page, next) = Pagination.Page(ordered, query["Marker"].ToString(), maxItems);
        var response = new ListFunctionsResponse
        {
            Functions = page.Select(v => FunctionConfigurationJson.From(v, FunctionConfigurationJson.ListArn(v, qualifyLatest: all), listItem: true)).ToList(),
            NextMarker = next,
        };
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, response, ManagementJsonContext.Wire.ListFunctionsResponse).ConfigureAwait(false);
    }

    /// <summary>
    /// DELETE /2015-03-31/functions/{FunctionName}?Qualifier= → 204 (AWS's recorded status; botocore's model now says
    /// 200 with StatusCode bound to the HTTP status, so SDKs accept either). An alias qualifier and $LATEST are
    /// refused with AWS's messages (LS-REC test_ops_with_arn_qualifier_mismatch[delete_function]).
    /// </summary>
    public async Task DeleteAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var rawName = http.GetRouteValue("FunctionName") as string ?? "";
        if (!context.Resolver.TryParse(rawName, ManagementHttp.Qualifier(http), out var reference, out var error))
        {
            await ManagementHttp.ErrorAsync(http, error!).ConfigureAwait(false);
            return;
        }
        var qualifier = reference.Qualifier;
        if (!context.Registry.Current.TryGet(reference.Name, out _)
            && string.Equals(qualifier, FunctionVersions.Latest, StringComparison.OrdinalIgnoreCase) && qualifier != FunctionVersions.Latest)
        {
            // "$latest" is no alias: a missing function is just not found (LS-REC lowercase_latest_qualifier-delete_function).
            await ManagementHttp.ErrorAsync(http, LambdaError.ResourceNotFound("Function not found: " + context.Resolver.ArnOf(reference.Name))).ConfigureAwait(false);
            return;
        }
        if (qualifier is not null && qualifier != FunctionVersions.Latest && !FunctionVersions.IsPublishedVersion(qualifier))
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.InvalidParameterValue("Deletion of aliases is not currently supported.")).ConfigureAwait(false);
            return;
        }
        if (qualifier == FunctionVersions.Latest)
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.InvalidParameterValue("$LATEST version cannot be deleted without deleting the function.")).ConfigureAwait(false);
            return;
        }
        var arn = context.Resolver.ArnOf(reference.Name);
        var outcome = ManagementEndpoints.Change(context, s => FunctionChanges.Delete(s, reference.Name, arn, qualifier));
        if (outcome.Error is { } refused)
        {
            await ManagementHttp.ErrorAsync(http, refused).ConfigureAwait(false);
            return;
        }
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>CreateFunction's checks in AWS's order: the name, the model constraints (one ValidationException),
    /// then the service rules.</summary>
    private LambdaError? Validate(CreateFunctionRequest request, bool hasZip, out string name, out List<Gateway.Functions.Layers.LayerVersionRecord> layerVersions)
    {
        name = "";
        layerVersions = [];
        if (FunctionRules.ValidateCreateName(request.FunctionName, out var reference) is { } nameError)
        {
            return nameError;
        }
        if (reference.Region is { } region && region != context.Region)
        {
            return LambdaError.ResourceNotFound($"Functions from '{region}' are not reachable in this region ('{context.Region}')");
        }
        if (reference.AccountId is { } account && account != context.AccountId)
        {
            return LambdaError.AccessDenied($"The function's account {account} is not this gateway's account ({context.AccountId}).");
        }
        if (reference.Qualifier is { } qualifier && qualifier != FunctionVersions.Latest)
        {
            return LambdaError.InvalidParameterValue("A qualifier is not allowed in CreateFunction's FunctionName: name the function only.");
        }
        name = reference.Name;

        var errors = new ValidationErrors();
        FunctionRules.CheckRole(request.Role, errors);
        FunctionRules.CheckTimeout(request.Timeout, errors);
        FunctionRules.CheckMemorySize(request.MemorySize, errors);
        FunctionRules.CheckEphemeralStorage(request.EphemeralStorage, errors);
        FunctionRules.CheckDescription(request.Description, errors);
        FunctionRules.CheckHandler(request.Handler, errors);
        FunctionRules.CheckTracing(request.TracingConfig, errors);
        FunctionRules.CheckLogging(request.LoggingConfig, errors);
        FunctionRules.CheckDeadLetterPattern(request.DeadLetterConfig, errors);
        FunctionRules.CheckKmsKeyArn(request.KMSKeyArn, errors);
        SnapStartRules.Check(request.SnapStart, errors);
        var architectureError = FunctionRules.ValidateArchitectures(request.Architectures, errors);
        if (request.CodeSigningConfigArn is { } signing && CodeSigningRules.ArnConstraint(signing, "codeSigningConfigArn") is { } signingError)
        {
            errors.Add(signingError);
        }
        if (errors.ToError() is { } validation)
        {
            return validation;
        }
        // A CodeSigningConfigArn names a config that cannot exist here: accepting it silently would deploy unsigned
        // code as if it had been checked.
        if (request.CodeSigningConfigArn is { } csc)
        {
            return CodeSigningRules.NotFoundForFunction(csc);
        }
        return FunctionRules.ValidateCodeSource(hasZip ? "" : null, request.Code?.S3Bucket, request.Code?.S3Key, request.Code?.ImageUri, request.PackageType)
            ?? (request.Runtime is null || string.IsNullOrEmpty(request.Handler) ? LambdaError.InvalidParameterValue(RuntimeAndHandlerRequired) : null)
            ?? FunctionRules.ValidateRuntime(request.Runtime!, context.Runtimes)
            ?? SnapStartRules.RuntimeError(request.SnapStart?.ApplyOn ?? SnapStartRules.None, request.Runtime!)
            ?? architectureError
            ?? FunctionRules.ValidateEnvironment(request.Environment)
            ?? FunctionRules.ValidateDeadLetter(request.DeadLetterConfig, context.Region, context.AccountId)
            ?? ValidateLayers(request.Layers, out layerVersions)
            ?? LoggingLevelsError(FunctionLogging.Default, request.LoggingConfig)
            ?? FunctionRules.ValidateTagCount(request.Tags?.Count ?? 0);
    }

    private LambdaError? ValidateLayers(List<string>? arns, out List<Gateway.Functions.Layers.LayerVersionRecord> versions)
    {
        versions = [];
        return arns is null ? null : context.Layers.Resolve(arns, out versions);
    }

    private static LambdaError? LoggingLevelsError(FunctionLogging current, LoggingConfig? given)
    {
        LoggingRules.Apply(current, given, out var error);
        return error;
    }

    /// <summary>The new function: $LATEST Pending, running the installed code folder's bootstrap.</summary>
    private FunctionRecord NewFunction(string name, CreateFunctionRequest request, InstalledCode code, BoundLayers layers, DateTimeOffset now)
    {
        var arn = context.Resolver.ArnOf(name);
        var definition = new FunctionDefinition
        {
            Name = name,
            Arn = arn,
            CodeDirectory = code.Directory,
            Bootstrap = code.Bootstrap,
            Handler = request.Handler!,
            Runtime = request.Runtime!,
            MemorySizeMb = request.MemorySize ?? 128,
            EphemeralStorageMb = request.EphemeralStorage?.Size ?? 512,
            TimeoutSeconds = request.Timeout ?? 3,
            Environment = new Dictionary<string, string>(request.Environment?.Variables ?? [], StringComparer.Ordinal),
            EnvironmentGiven = request.Environment is not null,
            Description = request.Description ?? "",
            DeadLetterTargetArn = request.DeadLetterConfig?.TargetArn is { Length: > 0 } target ? target : null,
            Layers = layers.Layers,
            LayersDirectory = layers.Directory,
            Logging = LoggingRules.Apply(FunctionLogging.Default, request.LoggingConfig, out _),
        };
        var latest = FunctionStates.AsPending(new VersionRecord
        {
            Definition = definition,
            Runtime = request.Runtime!,
            Role = request.Role!,
            CodeSha256 = code.CodeSha256,
            CodeSize = code.CodeSize,
            RevisionId = FunctionChanges.NewRevision(),
            LastModified = now,
            EphemeralStorageMb = request.EphemeralStorage?.Size ?? 512,
            TracingMode = request.TracingConfig?.Mode ?? "PassThrough",
            SnapStartApplyOn = request.SnapStart?.ApplyOn ?? SnapStartRules.None,
            KmsKeyArn = request.KMSKeyArn is { Length: > 0 } key ? key : null,
            Architectures = ["x86_64"],
        });
        return new FunctionRecord
        {
            Name = name,
            Arn = arn,
            Latest = latest,
            Tags = FunctionChanges.ToTags(request.Tags),
            Origin = FunctionOrigin.Api,
        };
    }
}
