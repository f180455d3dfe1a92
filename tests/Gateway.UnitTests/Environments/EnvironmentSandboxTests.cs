using Gateway.Environments;
using Gateway.Environments.Sandbox;
using Gateway.Functions;
using Gateway.Native;

namespace Gateway.UnitTests.Environments;

/// <summary>
/// How an environment's layout and spawn are computed in each mode (with the real bubblewrap where the mode needs it;
/// SandboxTests in Gateway.Tests runs functions in the namespace).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EnvironmentSandboxTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("gateway-sandbox-").FullName;
    private static readonly Gateway.Runtimes.RuntimeCatalog Runtimes = new(Gateway.Runtimes.RuntimeCatalog.DefaultDirectory, _ => { });
    private readonly string _code;

    public EnvironmentSandboxTests()
    {
        _code = Directory.CreateDirectory(Path.Combine(_data, "code", "fn")).FullName;
        File.WriteAllText(Path.Combine(_code, "bootstrap"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(_code, "bootstrap"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private FunctionDefinition Function(string? layers = null, int tmpMb = 512) => new()
    {
        Name = "fn",
        Arn = "arn:aws:lambda:us-east-1:000000000000:function:fn",
        CodeDirectory = _code,
        Bootstrap = Path.Combine(_code, "bootstrap"),
        Handler = "h",
        LayersDirectory = layers,
        EphemeralStorageMb = tmpMb,
    };

    [Fact]
    public void Without_a_namespace_the_layout_is_the_host_folders_and_the_spawn_is_unchanged()
    {
        var sandbox = EnvironmentSandbox.Choose(SandboxSetting.None, _data, Runtimes);
        var function = Function();

        var layout = sandbox.Layout(function, "/host/tmp/e1");
        var spec = new SpawnSpec(Gateway.Runtimes.RuntimeCatalog.Executable(function, layout), [], ["A=1"], layout.TaskRoot, 5);

        Assert.Equal(SandboxMode.HostFolders, sandbox.Mode);
        Assert.Contains("(--sandbox none)", sandbox.Description);
        Assert.Equal(new EnvironmentLayout(_code, Path.Combine(_data, "empty"), _code, "/host/tmp/e1"), layout);
        Assert.True(Directory.Exists(layout.OptDirectory));
        Assert.Equal("/layers/fn", sandbox.Layout(Function(layers: "/layers/fn"), "/t").OptDirectory);
        Assert.Same(spec, sandbox.Wrap(spec, function, "/run/e1.sock"));
        Assert.Equal(new ChildExit(false, 139), sandbox.SeenExit(new ChildExit(false, 139)));
    }

    [Fact]
    public void In_a_namespace_the_layout_is_Lambdas_and_bwrap_runs_the_bootstrap_with_the_binds()
    {
        var sandbox = EnvironmentSandbox.Choose(SandboxSetting.Bwrap, _data, Runtimes);
        var function = Function(layers: "/layers/fn", tmpMb: 1024);

        var layout = sandbox.Layout(function, null);
        var spec = sandbox.Wrap(new SpawnSpec(Gateway.Runtimes.RuntimeCatalog.Executable(function, layout), ["x"], ["A=1"], layout.TaskRoot, 5), function, "/srv/data/run/e1.sock");
        var args = string.Join(' ', spec.Arguments);

        Assert.Equal(SandboxMode.MountNamespace, sandbox.Mode);
        Assert.Equal(new EnvironmentLayout("/var/task", "/opt", "/var/runtime", "/tmp"), layout);
        Assert.EndsWith("/bwrap", spec.ExecutablePath);
        Assert.Equal(["A=1"], spec.Environment);
        Assert.Equal(5, spec.OutputFd);
        Assert.StartsWith("--die-with-parent --cap-drop ALL --ro-bind /usr /usr --ro-bind /etc /etc", args);
        Assert.Contains($"--ro-bind {_code} /var/task --ro-bind {_code} /var/runtime --ro-bind /layers/fn /opt", args);
        Assert.Contains("--size 1073741824 --tmpfs /tmp --bind /srv/data/run/e1.sock /srv/data/run/e1.sock", args);
        Assert.EndsWith("--remount-ro / --chdir /var/task -- /var/task/bootstrap x", args);
        Assert.DoesNotContain("--new-session", args); // the process must stay in the group WorkerProcess.Kill kills
    }

    [Fact]
    public void In_a_namespace_a_socket_under_tmp_appears_under_run_gateway_and_no_layers_is_an_empty_opt()
    {
        var sandbox = EnvironmentSandbox.Choose(SandboxSetting.Bwrap, _data, Runtimes);

        var args = string.Join(' ', sandbox.Wrap(new SpawnSpec("/var/task/bootstrap", [], [], "/var/task", 5), Function(), "/tmp/t1/data/run/e1.sock").Arguments);

        Assert.Equal("/run/gateway/e1.sock", sandbox.SeenSocketPath("/tmp/t1/data/run/e1.sock"));
        Assert.Equal("/srv/run/e1.sock", sandbox.SeenSocketPath("/srv/run/e1.sock"));
        Assert.Contains("--bind /tmp/t1/data/run/e1.sock /run/gateway/e1.sock", args);
        Assert.Contains("--dir /opt", args);
        Assert.Contains("--size 536870912 --tmpfs /tmp", args);
    }

    [Fact]
    public void In_a_namespace_a_missing_or_unexecutable_bootstrap_is_named_by_its_Lambda_path()
    {
        var sandbox = EnvironmentSandbox.Choose(SandboxSetting.Bwrap, _data, Runtimes);
        var spec = new SpawnSpec("/var/task/bootstrap", [], [], "/var/task", 5);

        File.SetUnixFileMode(Path.Combine(_code, "bootstrap"), UnixFileMode.UserRead);
        var denied = Assert.Throws<SpawnException>(() => sandbox.Wrap(spec, Function(), "/s.sock"));
        File.Delete(Path.Combine(_code, "bootstrap"));
        var missing = Assert.Throws<SpawnException>(() => sandbox.Wrap(spec, Function(), "/s.sock"));

        Assert.Equal("fork/exec /var/task/bootstrap: permission denied", InvalidEntrypoint.Message(denied));
        Assert.Equal("Couldn't find valid bootstrap(s): [/var/task/bootstrap]", InvalidEntrypoint.Message(missing));
    }

    [Theory]
    [InlineData(false, 139, true, 11)] // bwrap's 128 + SIGSEGV
    [InlineData(false, 137, true, 9)]
    [InlineData(false, 3, false, 3)]
    [InlineData(false, 128, false, 128)]
    [InlineData(true, 9, true, 9)] // bwrap itself killed (the gateway kills the group)
    public void In_a_namespace_bwraps_128_plus_n_is_read_back_as_signal_n(bool signaled, int code, bool seenSignaled, int seenCode)
    {
        var sandbox = EnvironmentSandbox.Choose(SandboxSetting.Bwrap, _data, Runtimes);

        Assert.Equal(new ChildExit(seenSignaled, seenCode), sandbox.SeenExit(new ChildExit(signaled, code)));
    }

    [Fact]
    public void An_unknown_setting_is_refused()
    {
        Assert.Equal(SandboxSetting.Auto, SandboxSettings.Parse("auto"));
        Assert.Equal(SandboxSetting.None, SandboxSettings.Parse("None"));
        Assert.Equal("Gateway:Sandbox must be auto, bwrap or none, not 'chroot'.", Assert.Throws<InvalidOperationException>(() => SandboxSettings.Parse("chroot")).Message);
    }
}
