using Gateway.Environments;
using Gateway.Functions;
using Gateway.Runtimes;

namespace Gateway.UnitTests.Runtimes;

/// <summary>The catalog's answers: families, what an environment starts (in the paths it sees), where the runtime's
/// files are, availability, and the once-per-family start-up line. Interpreters are the machine's own (./test.sh
/// requires node; python3 is the project's too).</summary>
public sealed class RuntimeCatalogTests : IDisposable
{
    private readonly string _runtimes = Directory.CreateTempSubdirectory("gateway-runtimes-").FullName;
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_runtimes, recursive: true);

    private RuntimeCatalog Catalog() => new(_runtimes, line => { lock (_log) { _log.Add(line); } });

    private static FunctionDefinition Function(string runtime) => new()
    {
        Name = "f", Arn = "arn:aws:lambda:us-east-1:000000000000:function:f", CodeDirectory = "/host/code/abc",
        Bootstrap = "/host/code/abc/bootstrap", Handler = "index.handler", Runtime = runtime,
    };

    private void InstallNodeRuntime()
    {
        Directory.CreateDirectory(Path.Combine(_runtimes, "nodejs"));
        File.WriteAllText(Path.Combine(_runtimes, "nodejs", "bootstrap"), "#!/bin/sh\n");
        File.WriteAllText(Path.Combine(_runtimes, "nodejs", "index.mjs"), "");
    }

    [Theory]
    [InlineData("provided.al2023", "Provided")]
    [InlineData("provided.al2", "Provided")]
    [InlineData("nodejs18.x", "NodeJs")]
    [InlineData("nodejs20.x", "NodeJs")]
    [InlineData("nodejs22.x", "NodeJs")]
    [InlineData("python3.9", "Python")]
    [InlineData("python3.13", "Python")]
    public void Each_runtime_belongs_to_its_family(string runtime, string family)
    {
        Assert.True(RuntimeCatalog.IsKnown(runtime));
        Assert.Equal(family, RuntimeCatalog.FamilyOf(runtime).ToString());
    }

    [Theory]
    [InlineData("nodejs24.x")]
    [InlineData("python3.14")]
    [InlineData("python3.8")]
    [InlineData("java21")]
    [InlineData("NODEJS20.X")]
    public void Runtimes_this_gateway_does_not_run_are_not_in_the_catalog(string runtime) => Assert.False(RuntimeCatalog.IsKnown(runtime));

    [Fact]
    public void An_OS_only_runtime_starts_the_function_bootstrap_inside_the_task_root_it_sees()
    {
        var layout = new EnvironmentLayout("/var/task", "/opt", "/var/runtime", "/tmp");
        var function = Function("provided.al2023");

        Assert.Equal("/var/task/bootstrap", RuntimeCatalog.Executable(function, layout));
        Assert.Equal("/host/code/abc", Catalog().HostDirectory(function));
    }

    [Theory]
    [InlineData("nodejs20.x", "nodejs")]
    [InlineData("python3.12", "python")]
    public void A_managed_runtime_starts_its_own_bootstrap_inside_the_runtime_directory_it_sees(string runtime, string folder)
    {
        var layout = new EnvironmentLayout("/var/task", "/opt", "/var/runtime", "/tmp");
        var function = Function(runtime);

        Assert.Equal("/var/runtime/bootstrap", RuntimeCatalog.Executable(function, layout));
        Assert.Equal(Path.Combine(_runtimes, folder), Catalog().HostDirectory(function));
    }

    [Fact]
    public void Node_is_available_once_its_files_are_there()
    {
        var catalog = Catalog();
        Assert.Null(catalog.Unavailable("provided.al2023"));
        Assert.Contains("its runtime files are missing", catalog.Unavailable("nodejs20.x"));

        InstallNodeRuntime();

        Assert.Null(catalog.Unavailable("nodejs20.x"));
        var node = catalog.InterpreterOf("nodejs20.x")!;
        Assert.True(Path.IsPathRooted(node.Path));
        Assert.Matches(@"^v\d+\.\d+\.\d+$", node.Version);
    }

    [Fact]
    public void Without_the_client_the_node_runtime_is_unavailable_saying_which_script_builds_it()
    {
        Directory.CreateDirectory(Path.Combine(_runtimes, "nodejs"));
        File.WriteAllText(Path.Combine(_runtimes, "nodejs", "bootstrap"), "#!/bin/sh\n");

        Assert.Contains("scripts/build-node-ric.sh", Catalog().Unavailable("nodejs22.x"));
    }

    [Fact]
    public void Python3_is_found_with_its_real_executable_and_version_Debian_first()
    {
        var python = Catalog().InterpreterOf("python3.12")!;

        Assert.True(File.Exists(python.Path), python.Path);
        if (File.Exists(RuntimeCatalog.DebianPython))
        {
            Assert.StartsWith("/usr/bin/python3", python.Path); // /usr/bin/python3.11 once the symlink is resolved
        }
        Assert.Matches(@"^3\.\d+\.\d+$", python.Version);
    }

    [Fact]
    public void The_start_up_line_is_said_once_per_family()
    {
        var catalog = Catalog();
        catalog.Announce("provided.al2023");
        catalog.Announce("nodejs20.x");
        catalog.Announce("nodejs18.x");
        catalog.Announce("nodejs20.x");

        var line = Assert.Single(_log);
        var node = catalog.InterpreterOf("nodejs20.x")!;
        Assert.Equal($"[gateway] nodejs20.x runs on Node {node.Version} ({node.Path})", line);
    }
}
