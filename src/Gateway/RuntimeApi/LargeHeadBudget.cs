namespace Gateway.RuntimeApi;

/// <summary>
/// How many Runtime API connections may hold a request head larger than <see cref="SmallHead"/> at once, gateway-wide.
/// Heads go up to <see cref="RuntimeRequestParser.MaxHeadSize"/> (1 MiB + 4 KB, as AWS's Go server takes: aws-lambda-go's
/// X-Ray error cause), and a head is buffered whole until its blank line. That memory is the gateway's, not the function's
/// cgroup's, and a runtime may open any number of connections: measured, 200 connections each trickling a 1 MB head
/// took the gateway from 48 to 216 MB. With this budget such a head waits in at most <see cref="Slots"/> connections; one
/// more is refused as too large (431, as past the limit). An ordinary runtime's heads are well under 64 KB.
/// </summary>
internal static class LargeHeadBudget
{
    /// <summary>The bound every head had before the 1 MiB one (and far above any head a runtime sends for an invocation).</summary>
    public const int SmallHead = 64 * 1024;

    /// <summary>16 heads of up to ~1 MiB: ~16 MiB at most, whatever the functions do.</summary>
    public const int Slots = 16;

    private static int s_inUse;

    /// <summary>Claims a slot; false when all are taken.</summary>
    public static bool TryClaim()
    {
        if (Interlocked.Increment(ref s_inUse) <= Slots)
        {
            return true;
        }
        Interlocked.Decrement(ref s_inUse);
        return false;
    }

    public static void Release() => Interlocked.Decrement(ref s_inUse);
}
