namespace Gateway.Hosting;

/// <summary>
/// How far the host has come with provisioned concurrency: the management API's Allocated/Available counts and
/// its IN_PROGRESS → READY status come from here. The function host implements it (it owns the pools); the
/// management endpoints only read it, so they never touch a pool.
/// </summary>
internal interface IProvisionedStatus
{
    /// <summary>Pre-forked environments of this version that have reached /next and are ready to run.</summary>
    int ReadyEnvironments(string functionName, string version);
}
