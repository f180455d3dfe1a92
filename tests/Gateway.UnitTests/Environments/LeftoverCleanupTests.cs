using System.Diagnostics;
using Gateway.Environments;

namespace Gateway.UnitTests.Environments;

/// <summary>
/// What a killed gateway left behind: pid files of environments whose processes are gone or are not theirs, socket
/// files, temporary folders. The cleanup runs at start, so nothing in it may throw on what it finds.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LeftoverCleanupTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("leftover-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Removes_pid_and_socket_files_and_temporary_folders_without_killing_a_process_that_is_not_the_environments()
    {
        var run = Directory.CreateDirectory(Path.Combine(_root, "run")).FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(_root, "tmp")).FullName;
        // This test process's pid under an environment id it does not carry: it must be left alive.
        File.WriteAllText(Path.Combine(run, "env-a.pid"), Environment.ProcessId.ToString());
        File.WriteAllText(Path.Combine(run, "env-b.pid"), "not a pid");
        File.WriteAllText(Path.Combine(run, "env-a.sock"), "");
        Directory.CreateDirectory(Path.Combine(tmp, "env-a", "nested"));

        int killed = LeftoverCleanup.Run(run, tmp);

        Assert.Equal(0, killed);
        Assert.Empty(Directory.GetFiles(run));
        Assert.Empty(Directory.GetDirectories(tmp));
        Assert.False(Process.GetCurrentProcess().HasExited);
    }

    [Fact]
    public void A_pid_file_removed_after_the_listing_reads_as_empty_instead_of_throwing()
    {
        // Another process (an environment stopping) may delete its pid file between the directory listing and the read.
        Assert.Equal("", LeftoverCleanup.ReadOrEmpty(Path.Combine(_root, "gone.pid")));
        Assert.Equal("", LeftoverCleanup.ReadOrEmpty(Path.Combine(_root, "no-such-folder", "gone.pid")));
        File.WriteAllText(Path.Combine(_root, "here.pid"), "123\n");
        Assert.Equal("123\n", LeftoverCleanup.ReadOrEmpty(Path.Combine(_root, "here.pid")));
    }
}
