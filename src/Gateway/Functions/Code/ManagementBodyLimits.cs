namespace Gateway.Functions.Code;

/// <summary>
/// The caps one management operation puts on its request body.
/// </summary>
/// <param name="Operation">The name AWS puts in the oversize message ("CreateFunction", "UpdateFunctionCode").</param>
/// <param name="MaxRequestBytes">The whole body. AWS's 70167211 is base64(52428800 bytes) = 69905067 characters plus
/// 262144 bytes for everything else.</param>
/// <param name="MaxZippedBytes">The decoded ZipFile.</param>
/// <param name="DivertThreshold">String values longer than this never enter the in-memory skeleton.</param>
/// <param name="MaxSkeletonBytes">The skeleton (the JSON minus long strings). AWS leaves 262144 bytes of the request
/// for everything but the zip; a skeleton past this cap is padding or garbage, refused as an oversize request.</param>
/// <param name="ZipContainer">The top-level member whose <c>ZipFile</c> counts as <see cref="ZipFileLocation.Code"/>:
/// CreateFunction's <c>Code</c>, PublishLayerVersion's <c>Content</c>.</param>
internal sealed record ManagementBodyLimits(
    string Operation,
    long MaxRequestBytes,
    long MaxZippedBytes,
    int DivertThreshold = ManagementBodyLimits.DefaultDivertThreshold,
    int MaxSkeletonBytes = ManagementBodyLimits.DefaultMaxSkeletonBytes,
    string ZipContainer = "Code")
{
    public const long AwsMaxRequestBytes = 70_167_211;
    public const long AwsMaxZippedBytes = 52_428_800;
    public const int DefaultDivertThreshold = 64 * 1024;
    public const int DefaultMaxSkeletonBytes = 1024 * 1024;

    /// <summary>70167211 bytes (LocalStack snapshot recorded against AWS, 2025-11-25).</summary>
    public static readonly ManagementBodyLimits CreateFunction = new("CreateFunction", AwsMaxRequestBytes, AwsMaxZippedBytes);

    /// <summary>PublishLayerVersion: the same caps as CreateFunction (AWS documents one 50 MB zipped limit for functions
    /// and layers); the zip is <c>Content.ZipFile</c>. The oversize text is CreateFunction's sentence with this
    /// operation's name (not recorded for this operation).</summary>
    public static readonly ManagementBodyLimits PublishLayerVersion = new("PublishLayerVersion", AwsMaxRequestBytes, AwsMaxZippedBytes, ZipContainer: "Content");

    /// <summary>70167211 bytes as users quote AWS's UpdateFunctionCode error since ~2023 (69905067 before; no
    /// recorded snapshot for this operation).</summary>
    public static readonly ManagementBodyLimits UpdateFunctionCode = new("UpdateFunctionCode", AwsMaxRequestBytes, AwsMaxZippedBytes);
}
