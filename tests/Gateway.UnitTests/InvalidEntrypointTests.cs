using Gateway.Environments;
using Gateway.Native;

namespace Gateway.UnitTests;

/// <summary>Runtime.InvalidEntrypoint messages in Lambda's words.</summary>
public sealed class InvalidEntrypointTests
{
    [Fact]
    public void A_bootstrap_that_does_not_exist_is_not_a_valid_bootstrap()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "bootstrap");

        Assert.Equal($"Couldn't find valid bootstrap(s): [{path}]", InvalidEntrypoint.Message(new SpawnException(path, SpawnStep.Exec, 2)));
    }

    [Theory]
    [InlineData(13, "permission denied")]
    [InlineData(8, "exec format error")]
    public void An_exec_error_reads_like_Gos_fork_exec_error(int errno, string text)
    {
        Assert.Equal("fork/exec /var/task/bootstrap: " + text, InvalidEntrypoint.Message(new SpawnException("/var/task/bootstrap", SpawnStep.Exec, errno)));
    }

    [Fact]
    public void An_existing_file_whose_interpreter_is_missing_is_a_fork_exec_error()
    {
        // ENOENT from execve of a file that exists: its #! interpreter is missing.
        var path = Path.GetTempFileName();
        try
        {
            Assert.Equal($"fork/exec {path}: no such file or directory", InvalidEntrypoint.Message(new SpawnException(path, SpawnStep.Exec, 2)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
