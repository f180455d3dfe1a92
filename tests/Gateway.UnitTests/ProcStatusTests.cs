using System.Text;
using Gateway.Environments;

namespace Gateway.UnitTests;

public class ProcStatusTests
{
    private const string Status =
        "Name:\tbootstrap\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t4242\nVmPeak:\t  123456 kB\nVmSize:\t  120000 kB\n" +
        "VmLck:\t       0 kB\nVmHWM:\t   76800 kB\nVmRSS:\t   70000 kB\nThreads:\t1\n";

    private static (bool Found, long Kb) Read(string text)
    {
        bool found = ProcStatus.TryReadPeakKb(Encoding.ASCII.GetBytes(text), out long kb);
        return (found, kb);
    }

    [Fact]
    public void Reads_VmHWM_from_a_status_file()
    {
        Assert.Equal((true, 76800L), Read(Status));
    }

    [Theory]
    [InlineData("VmHWM:\t   1234 kB", 1234)]
    [InlineData("VmHWM:\t   1234 kB\n", 1234)]
    [InlineData("VmHWM: 1 kB\n", 1)]
    [InlineData("VmHWM:1234 kB", 1234)]
    [InlineData("VmHWM:\t\t 0 kB", 0)]
    [InlineData("VmHWM:\t 17179869184 kB", 17179869184)]
    public void Parses_the_number_after_the_field(string text, long expected)
    {
        Assert.Equal((true, expected), Read(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("VmRSS:\t 1234 kB\n")]
    [InlineData("vmhwm:\t 1234 kB\n")]
    [InlineData("VmHWM:\n")]
    [InlineData("VmHWM:\t kB\n")]
    [InlineData("VmHWM:")]
    public void Missing_or_empty_field_is_not_found(string text)
    {
        Assert.False(Read(text).Found);
    }

    [Fact]
    public void Reads_this_process_status()
    {
        var path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return; // not Linux; the gateway only runs there
        }
        var (found, kb) = Read(File.ReadAllText(path));
        Assert.True(found);
        Assert.True(kb > 1024, $"{kb} kB peak for a running .NET process");
    }
}
