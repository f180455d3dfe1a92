using Gateway.Invocations;

namespace Gateway.Invoke;

/// <summary>
/// An invoke without a payload: botocore, the CLI and the SDKs send an empty body when none is given, and Lambda hands
/// the function <c>{}</c> (aws/aws-lambda-dotnet#834: "When you invoke a function with no payload the Lambda service
/// passes {}"). Passed on as it came, the empty body makes AWS's own runtime clients fail before the handler runs
/// (Node: "Unexpected end of JSON input"; Python: Runtime.UnmarshalError). A body of JSON whitespace only is the same
/// "no content" to the JSON check (<see cref="JsonPayloadValidator"/>), and gets the same <c>{}</c>.
/// </summary>
internal static class NoPayload
{
    private static ReadOnlySpan<byte> EmptyObject => "{}"u8;

    /// <summary>Replaces an empty or whitespace-only payload with <c>{}</c>; anything else is left as it is (the scan
    /// stops at the first byte that is not whitespace, so a real payload costs one byte's look).</summary>
    public static void BecomesEmptyObject(PooledPayload payload)
    {
        if (payload.Length > 0 && !IsAllWhitespace(payload))
        {
            return;
        }
        payload.Reset();
        payload.Write(EmptyObject);
    }

    private static bool IsAllWhitespace(PooledPayload payload)
    {
        for (int i = 0; i < payload.ChunkCount; i++)
        {
            foreach (byte b in payload.Chunk(i).Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return false;
                }
            }
        }
        return true;
    }
}
