namespace Gateway.Environments.Sandbox;

/// <summary>
/// The <c>/etc/hosts</c> an environment with extensions sees in its mount namespace: the host's, plus
/// <c>sandbox.localdomain</c> and <c>sandbox</c> for the loopback address. A telemetry extension binds its listener to
/// that name and subscribes with <c>http://sandbox.localdomain:PORT</c> (the Telemetry API accepts no other host; AWS's
/// samples bind to it, and the Logs API samples to <c>sandbox</c>); environments share the host's network here, so the
/// gateway delivers to 127.0.0.1 at that port. One file in the run folder, bound read-only over /etc/hosts.
/// </summary>
internal sealed class SandboxHosts
{
    public const string Names = "sandbox.localdomain sandbox";

    private readonly string _path;
    private readonly string _hostHosts;
    private readonly object _lock = new();

    public SandboxHosts(string runDirectory, string hostHosts = "/etc/hosts")
    {
        _path = Path.Combine(runDirectory, "hosts");
        _hostHosts = hostHosts;
    }

    /// <summary>The file to show as /etc/hosts, written when it is not there (a run folder under /tmp can be cleaned
    /// while the gateway runs: a bind of a missing file would fail the start).</summary>
    public string File()
    {
        lock (_lock)
        {
            if (!System.IO.File.Exists(_path))
            {
                Write();
            }
            return _path;
        }
    }

    /// <summary>The host's lines, then the sandbox's names.</summary>
    public static string Contents(string hostHosts) =>
        (hostHosts.Length == 0 || hostHosts.EndsWith('\n') ? hostHosts : hostHosts + "\n") + "127.0.0.1\t" + Names + "\n";

    private void Write()
    {
        string host = System.IO.File.Exists(_hostHosts) ? System.IO.File.ReadAllText(_hostHosts) : "127.0.0.1\tlocalhost\n";
        SandboxFile.Replace(_path, Contents(host));
    }
}
