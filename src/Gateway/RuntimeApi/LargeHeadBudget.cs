namespace Gateway.RuntimeApi;

/// <summary>
/// How many of one environment's Runtime API connections may hold a request head larger than <see cref="SmallHead"/>
/// at once. Heads go up to <see cref="RuntimeRequestParser.MaxHeadSize"/> (1 MiB + 4 KB, as AWS's Go server takes:
/// aws-lambda-go's X-Ray error cause), and a head is buffered whole until its blank line. That memory is the gateway's,
/// not the function's cgroup's, and a runtime may open any number of connections: measured, 200 connections each
/// trickling a 1 MB head took the gateway from 48 to 216 MB. Per environment, not gateway-wide, so a function that
/// stalls its own connections cannot make another function's large /error refused. One more is refused as too large
/// (431, as past the limit). A runtime posts one /error at a time; an ordinary head is well under 64 KB.
/// </summary>
internal sealed class LargeHeadBudget
{
    /// <summary>The bound every head had before the 1 MiB one (and far above any head a runtime sends for an invocation).</summary>
    public const int SmallHead = 64 * 1024;

    /// <summary>Heads past <see cref="SmallHead"/> one environment may buffer at once (~2 MiB).</summary>
    public const int Slots = 2;

    private int _inUse;

    /// <summary>Claims a slot; false when all are taken.</summary>
    public bool TryClaim()
    {
        if (Interlocked.Increment(ref _inUse) <= Slots)
        {
            return true;
        }
        Interlocked.Decrement(ref _inUse);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _inUse);
}
