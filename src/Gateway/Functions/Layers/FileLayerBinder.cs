using System.Collections.Immutable;

namespace Gateway.Functions.Layers;

/// <summary>
/// Binds a functions-file entry's <c>Layers</c> (layer version ARNs published through the API, kept in the data
/// folder) to the function: checked as CreateFunction checks them, the 250 MB counted with the code folder, merged.
/// </summary>
/// <returns>Null, or why the entry is refused (AWS's exception name and message).</returns>
internal delegate string? FileLayerBinder(IReadOnlyList<string> arns, string codeDirectory, out ImmutableArray<FunctionLayer> layers, out string? directory);
