using System.Collections.Immutable;
using Gateway.Functions;
using Gateway.Functions.Code;
using Gateway.Functions.Layers;
using Gateway.Functions.Registry;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>A function's layers, checked and merged: what goes on its definition.</summary>
/// <param name="Layers">The ARNs and sizes GetFunctionConfiguration shows.</param>
/// <param name="Directory">The merged folder (its <c>/opt</c>), or null when it has no layers.</param>
internal sealed record BoundLayers(ImmutableArray<FunctionLayer> Layers, string? Directory)
{
    public static readonly BoundLayers None = new([], null);
}

/// <summary>
/// A function's <c>Layers</c> (CreateFunction, UpdateFunctionConfiguration, the functions file): AWS's checks in its
/// order, then the 250 MB unzipped limit over the function's code and its layers together, then the merged folder.
/// </summary>
internal sealed class FunctionLayers(LayerRegistry registry, LayerOptDirectories optDirectories, string region, string accountId)
{
    /// <summary>AWS's per-function layer limit (LS-REC test_layer_function_quota_exception).</summary>
    public const int MaxLayers = 5;

    public LayerRegistry Registry { get; } = registry;

    public LayerOptDirectories OptDirectories { get; } = optDirectories;

    /// <summary>
    /// The layer versions <paramref name="arns"/> name, in order, or AWS's refusal: an ARN off the model's pattern
    /// (ValidationException, the whole list quoted as AWS quotes list members), more than 5, a layer in another
    /// region, another account's layer (403, as AWS refuses one not shared with the caller), a version that does not
    /// exist (or was deleted), two versions of one layer (LS-REC
    /// test_layer_function_exceptions: the first two ARNs of the same layer, even when identical).
    /// </summary>
    public LambdaError? Resolve(IReadOnlyList<string> arns, out List<LayerVersionRecord> versions)
    {
        versions = [];
        foreach (var arn in arns)
        {
            if (arn is null || !LayerArns.IsLayerVersionArn(arn))
            {
                return LambdaError.Validation($"1 validation error detected: Value '[{string.Join(", ", arns)}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: {LayerArns.LayerVersionArnPattern}, Member must not be null]");
            }
        }
        if (arns.Count > MaxLayers)
        {
            return LambdaError.InvalidParameterValue("Cannot reference more than 5 layers.");
        }
        var snapshot = Registry.Current;
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arn in arns)
        {
            if (!LayerArns.TryParseVersionArn(arn, out var reference))
            {
                // AWS's own "awslayer" ARNs: none are served here.
                return LambdaError.InvalidParameterValue($"Layer version {arn} does not exist.");
            }
            if (reference.Region != region)
            {
                return LambdaError.InvalidParameterValue($"Layers are not in the same region as the function. Layers are expected to be in region {region}.");
            }
            if (reference.AccountId != accountId)
            {
                // Another account's layer (a published one such as Powertools, or a colleague's): this gateway holds
                // none, and AWS answers a layer not shared with the caller so (crucial-project/serverless-shell#2).
                return LambdaError.AccessDenied($"User: arn:aws:iam::{accountId}:root is not authorized to perform: lambda:GetLayerVersion on resource: {arn} because no resource-based policy allows the lambda:GetLayerVersion action");
            }
            if (!snapshot.TryGetLive(reference.LayerName, reference.Version, out var version))
            {
                return LambdaError.InvalidParameterValue($"Layer version {arn} does not exist.");
            }
            var layerArn = arn[..arn.LastIndexOf(':')];
            if (seen.TryGetValue(layerArn, out var first))
            {
                return LambdaError.InvalidParameterValue($"Two different versions of the same layer are not allowed to be referenced in the same function. {first} and {arn} are versions of the same layer.");
            }
            seen[layerArn] = arn;
            versions.Add(version);
        }
        return null;
    }

    /// <summary>
    /// The 250 MB unzipped limit over the function's code (<paramref name="functionUnzippedBytes"/>) and these layers,
    /// with AWS's messages (as AWS users quote them: "Function code combined with layers exceeds…" with the actual
    /// total; "Layers consume more than the available size…" when the layers alone are over), then the merged folder.
    /// </summary>
    public LambdaError? Bind(IReadOnlyList<LayerVersionRecord> versions, long functionUnzippedBytes, out BoundLayers bound)
    {
        bound = BoundLayers.None;
        if (versions.Count == 0)
        {
            return null;
        }
        if (CheckSize(versions.Sum(v => v.UnzippedSize), functionUnzippedBytes) is { } tooLarge)
        {
            return tooLarge;
        }
        try
        {
            var merged = OptDirectories.Build([.. versions.Select(v => v.Sha256Hex)]);
            if (merged.Error is { } error)
            {
                return CodePackages.ToLambdaError(error);
            }
            bound = new BoundLayers([.. versions.Select(v => new FunctionLayer(v.LayerVersionArn, v.CodeSize, v.Sha256Hex))], merged.Directory);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return LambdaError.ServiceException("The function's layers could not be merged: " + ex.Message);
        }
    }

    /// <summary>The limit for a function whose code changes under layers it already has (UpdateFunctionCode). Layers a
    /// function keeps after their deletion still count: their records are kept.</summary>
    public LambdaError? CheckWithExisting(ImmutableArray<FunctionLayer> layers, long functionUnzippedBytes)
    {
        if (layers.IsDefaultOrEmpty)
        {
            return null;
        }
        var snapshot = Registry.Current;
        long total = 0;
        foreach (var layer in layers)
        {
            if (LayerArns.TryParseVersionArn(layer.Arn, out var reference) && snapshot.TryGetAny(reference.LayerName, reference.Version, out var version))
            {
                total += version.UnzippedSize;
            }
        }
        return CheckSize(total, functionUnzippedBytes);
    }

    /// <summary>
    /// Makes again a merged folder that a kept function names but the disk no longer has (data/code cleaned by hand):
    /// the same layers give the same hash, so the same path. Run at start, before environments start.
    /// </summary>
    /// <returns>How many folders were made again.</returns>
    public int RestoreMissing(IEnumerable<FunctionDefinition> definitions, Action<string> log)
    {
        int restored = 0;
        var snapshot = Registry.Current;
        foreach (var definition in definitions)
        {
            if (definition.LayersDirectory is not { } expected || System.IO.Directory.Exists(expected) || definition.Layers.IsDefaultOrEmpty)
            {
                continue;
            }
            var hexes = new List<string>();
            foreach (var layer in definition.Layers)
            {
                if (LayerArns.TryParseVersionArn(layer.Arn, out var reference) && snapshot.TryGetAny(reference.LayerName, reference.Version, out var version))
                {
                    hexes.Add(version.Sha256Hex);
                }
            }
            if (hexes.Count != definition.Layers.Length)
            {
                log($"{definition.Name}:{definition.Version}: its layers' folder {expected} is gone and the layer store no longer knows all of them");
                continue;
            }
            try
            {
                var built = OptDirectories.Build(hexes);
                if (built.Directory == expected)
                {
                    restored++;
                }
                else
                {
                    log($"{definition.Name}:{definition.Version}: its layers' folder {expected} is gone and could not be made again ({built.Error?.Message ?? built.Directory})");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log($"{definition.Name}:{definition.Version}: its layers' folder {expected} could not be made again: {ex.Message}");
            }
        }
        return restored;
    }

    /// <summary>A <see cref="FileLayerBinder"/> over this registry (the functions file's Layers at start).</summary>
    public string? BindFile(IReadOnlyList<string> arns, string codeDirectory, out ImmutableArray<FunctionLayer> layers, out string? directory)
    {
        layers = [];
        directory = null;
        var bound = BoundLayers.None;
        var error = Resolve(arns, out var versions) ?? Bind(versions, CodeSize.Of(codeDirectory), out bound);
        if (error is not null)
        {
            return error.ErrorType + ": " + error.Message;
        }
        layers = bound.Layers;
        directory = bound.Directory;
        return null;
    }

    private static LambdaError? CheckSize(long layersBytes, long functionBytes)
    {
        const long limit = CodeStore.AwsMaxUnzippedBytes;
        if (layersBytes > limit)
        {
            return LambdaError.InvalidParameterValue($"Layers consume more than the available size of {limit} bytes");
        }
        long total = layersBytes + functionBytes;
        return total > limit
            ? LambdaError.InvalidParameterValue($"Function code combined with layers exceeds the maximum allowed size of {limit} bytes. The actual size is {total} bytes.")
            : null;
    }

    /// <summary>The unzipped size of a version's code: its kept zip's declared total, or (a folder from the functions
    /// file) the folder's size.</summary>
    public static long UnzippedSizeOf(VersionRecord version, CodeStore store) =>
        store.TryGet(CodePackages.HexOf(version.CodeSha256), out var code) ? ZipExtractor.DeclaredSize(code.ZipPath) : CodeSize.Of(version.Definition.CodeDirectory);
}
