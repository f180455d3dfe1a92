using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Gateway.Tests.Infrastructure;

/// <summary>Small helpers about processes on this Linux machine.</summary>
public static partial class Processes
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    public static void Signal(int pid, int signal) => kill(pid, signal);

    /// <summary>True while /proc/{pid} exists and the process is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && stat.Length > close + 2 && stat[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The state letter of /proc/{pid}/stat (R running, S sleeping, T stopped, Z zombie…); '?' when gone.</summary>
    public static char State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && stat.Length > close + 2 ? stat[close + 2] : '?';
        }
        catch (IOException)
        {
            return '?';
        }
    }

    /// <summary>An environment variable of a running process (from /proc/{pid}/environ).</summary>
    public static string? EnvironmentVariable(int pid, string name)
    {
        var entries = File.ReadAllText($"/proc/{pid}/environ").Split('\0');
        var prefix = name + "=";
        return entries.FirstOrDefault(e => e.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    /// <summary>Resident set size in kB (VmRSS) of a process.</summary>
    public static long RssKb(int pid) => StatusKb(pid, "VmRSS:");

    /// <summary>The peak resident set size in kB (VmHWM) of a process since it started.</summary>
    public static long PeakRssKb(int pid) => StatusKb(pid, "VmHWM:");

    private static long StatusKb(int pid, string field)
    {
        foreach (var line in File.ReadAllLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0]);
            }
        }
        return 0;
    }

    /// <summary>Runs a command to completion and returns exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null, int timeoutMs = 60_000)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish within {timeoutMs} ms");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
