namespace Gateway.Hosting;

/// <summary>How far provisioned concurrency has got: what GetProvisionedConcurrencyConfig reports as allocated.</summary>
internal interface IProvisionedStatus
{
    /// <summary>Pre-forked environments of that version whose runtime has initialised (reached /next).</summary>
    int ReadyEnvironments(string functionName, string version);
}
