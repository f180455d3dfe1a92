using Gateway.RuntimeApi;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// A chunked body straight into the Runtime API's body readers (the head is taken as <c>Transfer-Encoding: chunked</c>),
/// so the fuzzer spends its time on chunk sizes, extensions, CRLFs and trailers. Byte 0 picks the read size.
/// </summary>
internal static class RuntimeChunkedTarget
{
    public static void Run(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }
        var head = new RuntimeRequestHead { Chunked = true, ContentLength = -1, Route = RuntimeRoute.Response, Method = RuntimeMethod.Post };
        RuntimeRequestTarget.ReadBodies(data.AsMemory(1), head, (data[0] & 63) + 1);
    }
}
