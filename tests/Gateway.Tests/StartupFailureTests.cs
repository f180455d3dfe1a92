namespace Gateway.Tests;

/// <summary>
/// Start-up failures the gateway cannot get past are one clear line and exit code 1, as a data folder in use is
/// (DataFolderLockTests): a data folder that cannot be created or written, an address already taken. They were
/// "in use by another gateway" for a read-only folder (its lock file could not be created), and otherwise an unhandled
/// .NET exception: a stack trace and exit code 134. Real binary; the read-only mounts need root.
/// </summary>
public sealed class StartupFailureTests
{
    [Fact]
    public async Task A_data_folder_on_a_read_only_mount_is_reported_as_not_writable_not_as_in_use()
    {
        var root = await NewRootAsync();
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        if (!Tmpfs.TryMountReadOnly(data))
        {
            Console.WriteLine("SKIPPED: cannot mount a read-only tmpfs here (needs root)");
            return;
        }
        try
        {
            var run = await RefusedAsync(root, GatewayProcess.FreePort());
            AssertOneLineRefusal(run, $"[gateway] the data folder {data} cannot be written: Read-only file system; give --data a folder the gateway can create and write");
            Assert.DoesNotContain("in use by another gateway", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            Tmpfs.Unmount(data);
        }
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_created_under_a_read_only_mount_is_a_clear_error()
    {
        var root = await NewRootAsync();
        var readOnly = Path.Combine(root, "read-only");
        Directory.CreateDirectory(readOnly);
        if (!Tmpfs.TryMountReadOnly(readOnly))
        {
            Console.WriteLine("SKIPPED: cannot mount a read-only tmpfs here (needs root)");
            return;
        }
        try
        {
            var data = Path.Combine(readOnly, "data");
            var run = await RefusedAsync(root, GatewayProcess.FreePort(), "--data", data); // the last --data wins
            AssertOneLineRefusal(run, $"[gateway] the data folder {data} cannot be created: Read-only file system; give --data a folder the gateway can create and write");
        }
        finally
        {
            Tmpfs.Unmount(readOnly);
        }
    }

    [Fact]
    public async Task A_data_folder_whose_path_runs_through_a_file_is_a_clear_error()
    {
        var root = await NewRootAsync();
        var file = Path.Combine(root, "a-file");
        await File.WriteAllTextAsync(file, "");
        var data = Path.Combine(file, "data");

        var run = await RefusedAsync(root, GatewayProcess.FreePort(), "--data", data);

        AssertOneLineRefusal(run, $"[gateway] the data folder {data} cannot be created: {file} is a file, not a folder; give --data a folder the gateway can create and write");
    }

    [Fact]
    public async Task An_event_store_whose_folder_cannot_be_created_is_a_clear_error()
    {
        var root = await NewRootAsync();
        var file = Path.Combine(root, "a-file");
        await File.WriteAllTextAsync(file, "");
        var store = Path.Combine(file, "events.db");

        var run = await RefusedAsync(root, GatewayProcess.FreePort(), "--event-store-path", store);

        AssertOneLineRefusal(run, $"[gateway] the event store's folder {file} cannot be created: {file} is a file, not a folder; give --event-store-path a file in a folder the gateway can create and write");
    }

    [Fact]
    public async Task A_port_in_use_names_the_address_and_the_option()
    {
        var root = await NewRootAsync();
        using var taken = Listen(out int port);

        var run = await RefusedAsync(root, port);

        AssertOneLineRefusal(run, $"[gateway] cannot listen on http://127.0.0.1:{port}: the address is already in use (another process, perhaps another gateway, listens there); stop it, or give the gateway a free port with --urls");
        Assert.DoesNotContain("Hosting failed to start", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_https_port_in_use_names_the_https_address_and_its_option()
    {
        var root = await NewRootAsync();
        var made = await Processes.RunAsync(Path.Combine(TestPaths.RepoRoot, "scripts", "make-dev-cert.sh"), ["--out", root]);
        Assert.True(made.ExitCode == 0, made.Stderr);
        using var taken = Listen(out int httpsPort);

        var run = await RefusedAsync(root, GatewayProcess.FreePort(), "--https", $"127.0.0.1:{httpsPort}",
            "--https-certificate", Path.Combine(root, "cert.pem"), "--https-certificate-key", Path.Combine(root, "key.pem"));

        AssertOneLineRefusal(run, $"[gateway] cannot listen on https://127.0.0.1:{httpsPort}: the address is already in use (another process, perhaps another gateway, listens there); stop it, or give the gateway a free port with --https");
    }

    private static async Task<string> NewRootAsync()
    {
        var root = Directory.CreateTempSubdirectory("gateway-startup-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), """{"Functions":[]}""");
        return root;
    }

    /// <summary>A loopback port something else listens on.</summary>
    private static System.Net.Sockets.Socket Listen(out int port)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }

    /// <summary>Starts the binary and waits for it to give up (a gateway that starts after all is stopped).</summary>
    private static async Task<(int ExitCode, string Output)> RefusedAsync(string root, int port, params string[] extraArgs)
    {
        var gateway = GatewayProcess.Launch(root, port, extraArgs);
        await using var _ = gateway; // stops it if it started after all, and deletes root
        try
        {
            await gateway.WaitForExitAsync(timeoutMs: 60_000);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the gateway did not exit:\n{gateway.Output}");
        }
        return (gateway.ExitCode, gateway.Output);
    }

    private static void AssertOneLineRefusal((int ExitCode, string Output) run, string line)
    {
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}, not 1:\n{run.Output}");
        Assert.Contains(line + "\n", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal); // no stack trace
        Assert.DoesNotContain("listening on", run.Output, StringComparison.Ordinal);
    }
}
