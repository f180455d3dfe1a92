using System.Diagnostics;

namespace Gateway.Runtimes;

/// <summary>A machine interpreter a managed runtime runs on: its real executable (pyenv's and nvm's shims resolved,
/// so the worker, whose PATH is Lambda's, finds the same one) and the version it reports.</summary>
/// <param name="Path">Absolute path of the executable.</param>
/// <param name="Version">As the interpreter reports it (<c>v20.20.2</c>, <c>3.11.7</c>).</param>
internal sealed record Interpreter(string Path, string Version)
{
    /// <summary>The folder put first on a worker's PATH, as AWS puts <c>/var/lang/bin</c> there.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>Runs <paramref name="command"/> (looked up on the gateway's PATH) with <paramref name="arguments"/>,
    /// which print the executable's path then its version on two lines; null when it is missing or fails.</summary>
    public static Interpreter? Probe(string command, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }
            var output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            if (!process.WaitForExit(10_000) || process.ExitCode != 0)
            {
                return null;
            }
            var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return lines.Length >= 2 && System.IO.Path.IsPathRooted(lines[0]) ? new Interpreter(lines[0], lines[1]) : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null; // not on PATH (or not executable)
        }
    }
}
