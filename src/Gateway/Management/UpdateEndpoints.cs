using Gateway.Functions;
using Gateway.Functions.Code;
using Gateway.Functions.Registry;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// UpdateFunctionConfiguration and UpdateFunctionCode (PUT …/configuration, PUT …/code): only $LATEST changes; the
/// answer shows it InProgress, and a second change right after settles it (Successful).
/// </summary>
internal sealed class UpdateEndpoints(ManagementContext context)
{
    /// <summary>AWS's refusal of a qualified name where only the function itself can be named (recorded for a
    /// function-level operation in LS-REC; the exact text AWS gives for Update* with a qualifier is not recorded).</summary>
    public const string UnqualifiedOnly = "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.";

    /// <summary>PUT /2015-03-31/functions/{FunctionName}/configuration → 200 FunctionConfiguration (InProgress).</summary>
    public async Task UpdateConfigurationAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        if (ParseName(http) is var (name, nameError) && nameError is not null)
        {
            await ManagementHttp.ErrorAsync(http, nameError).ConfigureAwait(false);
            return;
        }
        var (request, bodyError) = await JsonBodyReader.ReadAsync(http, ManagementJsonContext.Wire.UpdateFunctionConfigurationRequest, ManagementHttp.SmallBodyLimit, static () => new UpdateFunctionConfigurationRequest(), nullIsEmpty: true).ConfigureAwait(false);
        if (request is null)
        {
            if (bodyError is not null)
            {
                await ManagementHttp.ErrorAsync(http, bodyError).ConfigureAwait(false);
            }
            return;
        }
        if ((Validate(request) ?? LoggingLevelsError(name!, request.LoggingConfig) ?? SnapStartRuntimeError(name!, request)) is { } invalid)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        var now = context.Time.GetUtcNow();
        var arn = context.Resolver.ArnOf(name!);
        BoundLayers? layers = null;
        if (request.Layers is { } layerArns)
        {
            // Checked against $LATEST's code as it is now (an update racing this one is refused by the change itself).
            if (!context.Registry.Current.TryGet(name!, out var existing))
            {
                await ManagementHttp.ErrorAsync(http, FunctionChanges.FunctionNotFound(arn)).ConfigureAwait(false);
                return;
            }
            BoundLayers bound = BoundLayers.None;
            var layersError = context.Layers.Resolve(layerArns, out var versions)
                ?? context.Layers.Bind(versions, FunctionLayers.UnzippedSizeOf(existing.Latest, context.CodeStore), out bound);
            if (layersError is not null)
            {
                await ManagementHttp.ErrorAsync(http, layersError).ConfigureAwait(false);
                return;
            }
            layers = bound;
        }
        var outcome = ManagementEndpoints.Change(context, s => FunctionChanges.UpdateLatest(s, name!, arn, request.RevisionId, v => Apply(v, request, layers), publish: false, now));
        await AnswerAsync(http, name!, arn, outcome, published: false).ConfigureAwait(false);
    }

    /// <summary>PUT /2015-03-31/functions/{FunctionName}/code → 200 FunctionConfiguration ($LATEST InProgress, or the
    /// version published with it, Pending).</summary>
    public async Task UpdateCodeAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        if (ParseName(http) is var (name, nameError) && nameError is not null)
        {
            await ManagementHttp.ErrorAsync(http, nameError).ConfigureAwait(false);
            return;
        }
        using var upload = await context.Code.ReadAsync(http, ManagementJsonContext.Wire.UpdateFunctionCodeRequest,
            ManagementBodyLimits.UpdateFunctionCode, ZipFileLocation.TopLevel).ConfigureAwait(false);
        if (upload.Request is not { } request)
        {
            if (upload.Error is { } readError)
            {
                await ManagementHttp.ErrorAsync(http, readError).ConfigureAwait(false);
            }
            return;
        }
        var errors = new ValidationErrors();
        var architectureError = FunctionRules.ValidateArchitectures(request.Architectures, errors);
        var invalid = errors.ToError()
            // Every function here is a Zip one: AWS's answer to an image for one (LS-REC test_lambda_zip_file_to_image),
            // once the function is found (a missing one is a 404 first).
            ?? (request.ImageUri is null ? null
                : context.Registry.Current.TryGet(name!, out _) ? LambdaError.InvalidParameterValue("Please don't provide ImageUri when updating a function with packageType Zip.")
                : FunctionChanges.FunctionNotFound(context.Resolver.ArnOf(name!)))
            ?? FunctionRules.ValidateCodeSource(upload.Zip is null ? null : "", request.S3Bucket, request.S3Key, imageUri: null, packageType: null)
            ?? architectureError;
        if (invalid is not null)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        var arn = context.Resolver.ArnOf(name!);
        if (context.Code.Install(upload.Zip!, out var code) is { } codeError)
        {
            await ManagementHttp.ErrorAsync(http, codeError).ConfigureAwait(false);
            return;
        }
        // The new code and the layers $LATEST keeps must fit in 250 MB together.
        if (context.Registry.Current.TryGet(name!, out var current)
            && context.Layers.CheckWithExisting(current.Latest.Layers, code!.UnzippedSize) is { } sizeError)
        {
            await ManagementHttp.ErrorAsync(http, sizeError).ConfigureAwait(false);
            return;
        }
        var now = context.Time.GetUtcNow();
        if (request.DryRun == true)
        {
            // DryRun validates the request and the zip and answers what $LATEST would be, changing nothing.
            if (!context.Registry.Current.TryGet(name!, out var existing))
            {
                await ManagementHttp.ErrorAsync(http, FunctionChanges.FunctionNotFound(arn)).ConfigureAwait(false);
                return;
            }
            await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, FunctionConfigurationJson.From(WithCode(existing.Latest, code!), arn),
                ManagementJsonContext.Wire.FunctionConfiguration).ConfigureAwait(false);
            return;
        }
        bool publish = request.Publish == true;
        var outcome = ManagementEndpoints.Change(context, s => FunctionChanges.UpdateLatest(s, name!, arn, request.RevisionId, v => WithCode(v, code!), publish, now));
        await AnswerAsync(http, name!, arn, outcome, publish).ConfigureAwait(false);
    }

    /// <summary>Writes the refusal, or settles the change and answers the InProgress configuration (a published
    /// version under its qualified ARN, LS-REC test_publish_with_update).</summary>
    private async Task AnswerAsync(HttpContext http, string name, string arn, ChangeOutcome outcome, bool published)
    {
        if (outcome.Error is { } refused)
        {
            await ManagementHttp.ErrorAsync(http, refused).ConfigureAwait(false);
            return;
        }
        var latestRevision = context.Registry.Current.TryGet(name, out var function) ? function.Latest.RevisionId : null;
        if (latestRevision is not null)
        {
            ManagementEndpoints.Settle(context, name, latestRevision);
        }
        var version = outcome.Version!;
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, FunctionConfigurationJson.From(version, published ? version.Arn : arn),
            ManagementJsonContext.Wire.FunctionConfiguration).ConfigureAwait(false);
    }

    /// <summary>The function named in the path; a qualifier other than $LATEST is refused (only $LATEST changes).</summary>
    private (string? Name, LambdaError? Error) ParseName(HttpContext http)
    {
        var rawName = http.GetRouteValue("FunctionName") as string ?? "";
        if (!context.Resolver.TryParse(rawName, null, out var reference, out var error))
        {
            return (null, error);
        }
        if (reference.Qualifier is { } qualifier && qualifier != FunctionVersions.Latest)
        {
            return (null, LambdaError.InvalidParameterValue(UnqualifiedOnly));
        }
        return (reference.Name, null);
    }

    /// <summary>Levels need the JSON format, the given one or the function's (checked against the current $LATEST; an
    /// unknown function is answered by the change itself).</summary>
    private LambdaError? LoggingLevelsError(string name, LoggingConfig? given)
    {
        if (given is null || !context.Registry.Current.TryGet(name, out var function))
        {
            return null;
        }
        LoggingRules.Apply(function.Latest.Definition.Logging, given, out var error);
        return error;
    }

    /// <summary>SnapStart on a runtime without it, as the update would leave $LATEST (the given or current ApplyOn and
    /// runtime; which of the two AWS checks when only one is given is not recorded: both, INFERRED).</summary>
    private LambdaError? SnapStartRuntimeError(string name, UpdateFunctionConfigurationRequest request)
    {
        if ((request.SnapStart?.ApplyOn is null && request.Runtime is null) || !context.Registry.Current.TryGet(name, out var function))
        {
            return null;
        }
        return SnapStartRules.RuntimeError(request.SnapStart?.ApplyOn ?? function.Latest.SnapStartApplyOn, request.Runtime ?? function.Latest.Runtime);
    }

    private LambdaError? Validate(UpdateFunctionConfigurationRequest request)
    {
        var errors = new ValidationErrors();
        if (request.Role is not null)
        {
            FunctionRules.CheckRole(request.Role, errors);
        }
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
        return errors.ToError()
            ?? (request.Runtime is { } runtime ? FunctionRules.ValidateRuntime(runtime, context.Runtimes) : null)
            ?? FunctionRules.ValidateEnvironment(request.Environment)
            ?? FunctionRules.ValidateDeadLetter(request.DeadLetterConfig, context.Region, context.AccountId);
    }

    /// <summary>The members given replace $LATEST's; Environment replaces the whole map; an empty DeadLetterConfig
    /// TargetArn removes the dead-letter queue (as on AWS).</summary>
    /// <param name="layers">The request's Layers, checked and merged; null when it named none (an empty list removes
    /// them all).</param>
    internal static VersionRecord Apply(VersionRecord latest, UpdateFunctionConfigurationRequest request, BoundLayers? layers = null) => latest with
    {
        Definition = DefinitionDraft.Change(latest.Definition, d =>
        {
            d.Handler = request.Handler ?? d.Handler;
            d.Runtime = request.Runtime ?? d.Runtime;
            d.Description = request.Description ?? d.Description;
            d.TimeoutSeconds = request.Timeout ?? d.TimeoutSeconds;
            d.MemorySizeMb = request.MemorySize ?? d.MemorySizeMb;
            d.EphemeralStorageMb = request.EphemeralStorage?.Size ?? d.EphemeralStorageMb;
            if (request.Environment is { } environment)
            {
                d.Environment = new Dictionary<string, string>(environment.Variables ?? [], StringComparer.Ordinal);
                d.EnvironmentGiven = true;
            }
            if (request.DeadLetterConfig is { } deadLetter)
            {
                d.DeadLetterTargetArn = deadLetter.TargetArn is { Length: > 0 } target ? target : null;
            }
            if (layers is not null)
            {
                d.Layers = layers.Layers;
                d.LayersDirectory = layers.Directory;
            }
            d.Logging = LoggingRules.Apply(d.Logging, request.LoggingConfig, out _);
        }),
        Runtime = request.Runtime ?? latest.Runtime,
        Role = request.Role ?? latest.Role,
        EphemeralStorageMb = request.EphemeralStorage?.Size ?? latest.EphemeralStorageMb,
        TracingMode = request.TracingConfig?.Mode ?? latest.TracingMode,
        SnapStartApplyOn = request.SnapStart?.ApplyOn ?? latest.SnapStartApplyOn,
        KmsKeyArn = request.KMSKeyArn is { } key ? (key.Length > 0 ? key : null) : latest.KmsKeyArn,
    };

    /// <summary>$LATEST running <paramref name="code"/>: its folder and bootstrap, hash and size.</summary>
    internal static VersionRecord WithCode(VersionRecord latest, InstalledCode code) => latest with
    {
        Definition = DefinitionDraft.Change(latest.Definition, d =>
        {
            d.CodeDirectory = code.Directory;
            d.Bootstrap = code.Bootstrap;
        }),
        CodeSha256 = code.CodeSha256,
        CodeSize = code.CodeSize,
    };
}
