namespace Gateway.Environments.Sandbox;

/// <summary>How an environment's process sees the filesystem.</summary>
internal enum SandboxMode
{
    /// <summary>The host's folders at their host paths (named by LAMBDA_TASK_ROOT, GATEWAY_OPT_DIR, LAMBDA_RUNTIME_DIR,
    /// TMPDIR): no mount namespace.</summary>
    HostFolders,

    /// <summary>A mount namespace per environment, made by bubblewrap: Lambda's own paths (/var/task, /opt,
    /// /var/runtime, a private /tmp).</summary>
    MountNamespace,
}

/// <summary>The <c>--sandbox</c> setting: <c>auto</c> (a mount namespace when bubblewrap works here, else the host's
/// folders), <c>bwrap</c> (a mount namespace or refuse to start), <c>none</c> (the host's folders).</summary>
internal enum SandboxSetting
{
    Auto,
    Bwrap,
    None,
}

internal static class SandboxSettings
{
    public static SandboxSetting Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "" or "auto" => SandboxSetting.Auto,
        "bwrap" or "bubblewrap" => SandboxSetting.Bwrap,
        "none" or "off" => SandboxSetting.None,
        _ => throw new InvalidOperationException($"Gateway:Sandbox must be auto, bwrap or none, not '{value}'."),
    };
}
