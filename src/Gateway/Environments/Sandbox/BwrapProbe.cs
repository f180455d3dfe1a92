using System.Diagnostics;

namespace Gateway.Environments.Sandbox;

/// <summary>
/// Whether bubblewrap can make an environment's namespace on this machine: the binary is on PATH and a trial
/// namespace of the same shape starts <c>true</c> (namespaces can be forbidden by a container's seccomp profile,
/// by sysctls, or by a missing capability, and only trying tells).
/// </summary>
internal static class BwrapProbe
{
    private static readonly TimeSpan TrialTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The command when bwrap works; otherwise null and why not.</summary>
    public static BwrapCommand? TryCreate(string scratchDirectory, out string version, out string whyNot)
    {
        version = "";
        // The package's path too: a service manager's PATH may be short.
        var path = FindOnPath("bwrap") ?? (File.Exists("/usr/bin/bwrap") ? "/usr/bin/bwrap" : null);
        if (path is null)
        {
            whyNot = "bwrap not found on PATH (Debian package bubblewrap)";
            return null;
        }
        var command = new BwrapCommand(path);
        Directory.CreateDirectory(scratchDirectory);
        var (exitCode, output) = Run(path, command.TrialArguments(scratchDirectory));
        if (exitCode != 0)
        {
            whyNot = $"a trial namespace failed ({path}: {(output.Length > 0 ? output : "exit status " + exitCode)})";
            return null;
        }
        version = Run(path, ["--version"]).Output;
        whyNot = "";
        return command;
    }

    private static (int ExitCode, string Output) Run(string path, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(path) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TrialTimeout))
            {
                process.Kill();
                return (-1, "timed out");
            }
            return (process.ExitCode, (stdout.Result + stderr.Result).Trim().ReplaceLineEndings(" "));
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            return (-1, ex.Message);
        }
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
