namespace Gateway.Environments.Containment;

/// <summary>The <c>--containment</c> setting: <c>auto</c> (a cgroup per environment when the cgroup folders are
/// writable here, else none), <c>cgroup</c> (a cgroup per environment or refuse to start), <c>none</c>.</summary>
internal enum ContainmentSetting
{
    Auto,
    Cgroup,
    None,
}

internal static class ContainmentSettings
{
    public static ContainmentSetting Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "" or "auto" => ContainmentSetting.Auto,
        "cgroup" or "cgroups" => ContainmentSetting.Cgroup,
        "none" or "off" => ContainmentSetting.None,
        _ => throw new InvalidOperationException($"Gateway:Containment must be auto, cgroup or none, not '{value}'."),
    };
}
