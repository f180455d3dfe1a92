using System.Text.Json;
using Gateway.Functions.Registry;
using Gateway.Functions.Layers;
using Gateway.Management;

namespace Gateway.ClusterMode.Registry;

/// <summary>
/// A <see cref="FunctionRecord"/> as the cluster keeps it: the same <see cref="PersistedFunction"/> JSON as registry.db
/// (its source-generated context), except that a path into this node's code store — a version's code folder and its
/// bootstrap, which differ per node (each has its own data folder) — is written as <c>@code/{sha256-hex}</c> and
/// turned back into the reading node's own extraction of that zip (fetched and verified first when it has none).
/// Code folders from a functions file keep their path: every node is expected to have them at the same place.
/// A version's layers folder (<c>/opt</c>, merged from its layers' zips) is written as <c>@layers/{hex},{hex}…</c>, its
/// layers' zips published beside the code, and merged again on the reading node from those zips: a function runs with
/// its layers on every node, though the Layers API itself (ListLayers, GetLayerVersion) is still each node's own.
/// </summary>
internal sealed class RegistryDocuments(ClusterCode code, LayerOptDirectories? layerFolders = null)
{
    public ClusterCode Code => code;

    private const string CodePrefix = "@code/";
    private const string LayersPrefix = "@layers/";

    /// <summary>Merges layers' zips into /opt folders on this node (the node's own instance: one per code store).</summary>
    private readonly LayerOptDirectories _layerFolders = layerFolders ?? new LayerOptDirectories(code.Store);

    /// <summary>The document, and the zips it names (to publish to Redis before the document is committed).</summary>
    public string ToJson(FunctionRecord record, ICollection<string> zips)
    {
        var document = PersistedFunction.From(record);
        Portable(document.Latest, zips);
        foreach (var version in document.Versions)
        {
            Portable(version, zips);
        }
        return JsonSerializer.Serialize(document, RegistryJsonContext.Default.PersistedFunction);
    }

    /// <summary>The record a document describes, on this node (its zips materialised here).</summary>
    /// <exception cref="CodeUnavailableException">A zip it names cannot be had yet, or failed its hash check.</exception>
    /// <exception cref="JsonException">Not a document this gateway reads.</exception>
    public FunctionRecord FromJson(string json)
    {
        var document = JsonSerializer.Deserialize(json, RegistryJsonContext.Default.PersistedFunction)
            ?? throw new JsonException("an empty document");
        if (document.Schema != 1)
        {
            throw new JsonException($"function '{document.Name}' is stored in format {document.Schema}, which this gateway does not read");
        }
        Local(document.Latest);
        foreach (var version in document.Versions)
        {
            Local(version);
        }
        return document.ToRecord();
    }

    private void Portable(PersistedVersion version, ICollection<string> zips)
    {
        PortableLayers(version, zips);
        string hex = CodePackages.HexOf(version.CodeSha256);
        string local = Path.Combine(code.Store.Root, hex);
        if (version.CodeDirectory != local)
        {
            return; // a functions-file folder: the same path on every node
        }
        version.CodeDirectory = CodePrefix + hex;
        if (version.Bootstrap.StartsWith(local + "/", StringComparison.Ordinal))
        {
            version.Bootstrap = CodePrefix + hex + version.Bootstrap[local.Length..];
        }
        zips.Add(hex);
    }

    /// <summary>The layers folder as the zips it is merged from, when it is this node's merge of exactly those (a
    /// document from before the zips' hashes were kept names its folder as it is).</summary>
    private void PortableLayers(PersistedVersion version, ICollection<string> zips)
    {
        if (version.Layers.Count == 0 || version.LayersDirectory is null || version.Layers.Any(l => l.Sha256Hex is null))
        {
            return;
        }
        var hexes = version.Layers.Select(l => l.Sha256Hex!).ToList();
        if (version.LayersDirectory != Path.Combine(_layerFolders.Root, LayerOptDirectories.KeyOf(hexes)))
        {
            return;
        }
        version.LayersDirectory = LayersPrefix + string.Join(',', hexes);
        foreach (var hex in hexes)
        {
            zips.Add(hex);
        }
    }

    /// <exception cref="CodeUnavailableException">A layer's zip cannot be had, or the merge failed.</exception>
    private void LocalLayers(PersistedVersion version)
    {
        if (version.LayersDirectory is not { } portable || !portable.StartsWith(LayersPrefix, StringComparison.Ordinal))
        {
            return;
        }
        var hexes = portable[LayersPrefix.Length..].Split(',');
        foreach (var hex in hexes)
        {
            code.Materialize(hex); // fetched from Redis (verified) when this node lacks it
        }
        var merged = _layerFolders.Build(hexes);
        if (!merged.Succeeded)
        {
            throw new CodeUnavailableException($"the layers of {version.Version} do not merge: {merged.Error!.Value.Message}");
        }
        version.LayersDirectory = merged.Directory;
    }

    private void Local(PersistedVersion version)
    {
        LocalLayers(version);
        if (!version.CodeDirectory.StartsWith(CodePrefix, StringComparison.Ordinal))
        {
            return;
        }
        string portable = version.CodeDirectory;
        string local = code.Materialize(portable[CodePrefix.Length..]);
        version.CodeDirectory = local;
        if (version.Bootstrap.StartsWith(portable, StringComparison.Ordinal))
        {
            version.Bootstrap = local + version.Bootstrap[portable.Length..];
        }
    }
}
