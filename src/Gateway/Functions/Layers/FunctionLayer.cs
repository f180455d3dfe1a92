namespace Gateway.Functions.Layers;

/// <summary>
/// One entry of a function's <c>Layers</c>, as GetFunctionConfiguration answers it (<c>{Arn, CodeSize}</c>). Kept on
/// the function itself, not looked up, because AWS keeps showing (and running) a layer version a function uses after
/// that version is deleted.
/// </summary>
/// <param name="Arn">The layer version ARN, <c>arn:aws:lambda:{region}:{account}:layer:{name}:{version}</c>.</param>
/// <param name="CodeSize">The layer zip's size in bytes.</param>
/// <param name="Sha256Hex">The layer zip's SHA-256 (lower-case hex), by which a cluster node that lacks the layer
/// fetches its zip (<c>ClusterMode.Registry.RegistryDocuments</c>); null in documents from before it was kept.</param>
internal sealed record FunctionLayer(string Arn, long CodeSize, string? Sha256Hex = null);
