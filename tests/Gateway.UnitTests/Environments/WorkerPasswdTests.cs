using Gateway.Environments.Sandbox;

namespace Gateway.UnitTests.Environments;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorkerPasswdTests : IDisposable
{
    private readonly string _run = Directory.CreateTempSubdirectory("gateway-passwd-").FullName;

    public void Dispose() => Directory.Delete(_run, recursive: true);

    [Fact]
    public void The_hosts_entries_are_kept_and_the_workers_is_added_in_AWSs_shape()
    {
        var text = WorkerPasswd.Contents("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin", 200123);

        Assert.Equal("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
            + "sbx_user200123:x:200123:200123::/home/sbx_user200123:/sbin/nologin\n", text);
    }

    [Fact]
    public void A_host_entry_for_the_same_uid_is_replaced_so_the_worker_has_one_name()
    {
        var text = WorkerPasswd.Contents("root:x:0:0:root:/root:/bin/bash\nclash:x:200123:1:x:/home/clash:/bin/sh\n", 200123);

        Assert.DoesNotContain("clash", text);
        Assert.Single(text.Split('\n'), l => l.Contains(":200123:", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_uid_gets_one_readable_file_written_once()
    {
        var host = Path.Combine(_run, "host-passwd");
        File.WriteAllText(host, "root:x:0:0:root:/root:/bin/bash\n");
        var passwd = new WorkerPasswd(Path.Combine(_run, "run"), host);

        var first = passwd.FileFor(200001);
        File.WriteAllText(host, "changed:x:1:1::/:/bin/sh\n");

        Assert.Equal(first, passwd.FileFor(200001));
        Assert.Contains("sbx_user200001:x:200001:200001:", File.ReadAllText(first));
        Assert.StartsWith("root:", File.ReadAllText(first));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(first));
        Assert.NotEqual(first, passwd.FileFor(200002));
        Assert.Empty(Directory.GetFiles(Path.Combine(_run, "run"), "*.partial"));
    }

    [Fact]
    public void A_file_removed_while_the_gateway_runs_is_written_again_from_the_hosts_passwd_of_then()
    {
        var host = Path.Combine(_run, "host-passwd");
        File.WriteAllText(host, "root:x:0:0:root:/root:/bin/bash\n");
        var passwd = new WorkerPasswd(Path.Combine(_run, "run"), host);
        var first = passwd.FileFor(200001);

        File.Delete(first); // e.g. systemd-tmpfiles cleaning a run folder under /tmp
        File.WriteAllText(host, "admin:x:1000:1000::/home/admin:/bin/sh\n");

        Assert.Equal(first, passwd.FileFor(200001));
        Assert.StartsWith("admin:", File.ReadAllText(first));
    }

    [Fact]
    public void A_host_user_already_named_like_the_worker_is_left_out()
    {
        var text = WorkerPasswd.Contents("sbx_user200123:x:42:42::/home/x:/bin/sh\n", 200123);

        Assert.Equal("sbx_user200123:x:200123:200123::/home/sbx_user200123:/sbin/nologin\n", text);
    }
}
