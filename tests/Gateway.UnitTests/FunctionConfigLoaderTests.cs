using Gateway.Functions;

namespace Gateway.UnitTests;

public sealed class FunctionConfigLoaderTests : IDisposable
{
    private const string Region = "us-east-1";
    private const string Account = "123456789012";

    private readonly string _root = Directory.CreateTempSubdirectory("gateway-config-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string relativePath, string content)
    {
        var path = Path.Combine(_root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A code folder with a bootstrap in it; returns the folder.</summary>
    private string CodeFolder(string relativePath)
    {
        Write(Path.Combine(relativePath, "bootstrap"), "#!/bin/sh\n");
        return Path.Combine(_root, relativePath);
    }

    private List<FunctionDefinition> Load(string relativePath) => FunctionConfigLoader.Load(Path.Combine(_root, relativePath), Region, Account);

    private string LoadFails(string relativePath)
        => Assert.Throws<FunctionConfigurationException>(() => Load(relativePath)).Message;

    private string FileWith(string functionJson)
        => Write("config/functions.json", "{ \"Functions\": [ " + functionJson + " ] }");

    // ---- Runtime ----

    [Fact]
    public void A_managed_runtime_needs_no_bootstrap_and_its_Runtime_reaches_the_definition()
    {
        Write("code/node/index.js", "exports.handler = async () => 1;");
        FileWith("""{ "FunctionName": "n", "Code": "../code/node", "Runtime": "nodejs20.x", "Handler": "index.handler" }""");

        var definition = Assert.Single(Load("config/functions.json"));

        Assert.Equal("nodejs20.x", definition.Runtime);
    }

    [Fact]
    public void The_runtime_defaults_to_provided_al2023()
    {
        CodeFolder("code/echo");
        FileWith("""{ "FunctionName": "echo", "Code": "../code/echo" }""");

        Assert.Equal("provided.al2023", Assert.Single(Load("config/functions.json")).Runtime);
    }

    [Fact]
    public void A_managed_runtime_without_a_handler_is_refused()
    {
        Write("code/node/index.js", "");
        FileWith("""{ "FunctionName": "n", "Code": "../code/node", "Runtime": "python3.12" }""");

        Assert.Contains("function 'n': Handler is required for runtime python3.12", LoadFails("config/functions.json"));
    }

    [Fact]
    public void An_unknown_runtime_is_refused_with_AWS_message_when_the_catalog_checks_it()
    {
        CodeFolder("code/echo");
        FileWith("""{ "FunctionName": "echo", "Code": "../code/echo", "Runtime": "go1.x" }""");
        var catalog = new Gateway.Runtimes.RuntimeCatalog(Path.Combine(_root, "no-runtimes"), _ => { });

        var message = Assert.Throws<FunctionConfigurationException>(() => FunctionConfigLoader.Load(Path.Combine(_root, "config/functions.json"), Region, Account, catalog)).Message;

        Assert.EndsWith("function 'echo': Runtime: InvalidParameterValueException: The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.", message);
    }

    // ---- functions file ----

    [Fact]
    public void Functions_file_with_relative_code_paths()
    {
        var echo = CodeFolder("code/echo");
        var shared = CodeFolder("shared");
        Write("config/functions.json", """
            {
              // comments and trailing commas are accepted
              "Functions": [
                {
                  "FunctionName": "echo",
                  "Code": "../code/echo",
                  "Handler": "echo.handler",
                  "MemorySize": 256,
                  "Timeout": 30,
                  "Description": "Echoes",
                  "Environment": { "Variables": { "GREETING": "hi", "TZ": "UTC", }, },
                  "ProvisionedEnvironments": 2,
                  "MaxEnvironments": 4,
                },
                /* a second one, with defaults */
                { "FunctionName": "other", "Code": "../shared" },
              ],
            }
            """);

        var functions = Load("config/functions.json");

        Assert.Equal(2, functions.Count);
        var first = functions[0];
        Assert.Equal("echo", first.Name);
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:echo", first.Arn);
        Assert.Equal(echo, first.CodeDirectory);
        Assert.Equal(Path.Combine(echo, "bootstrap"), first.Bootstrap);
        Assert.True(Path.IsPathRooted(first.CodeDirectory));
        Assert.Equal("echo.handler", first.Handler);
        Assert.Equal(256, first.MemorySizeMb);
        Assert.Equal(30, first.TimeoutSeconds);
        Assert.Equal("Echoes", first.Description);
        Assert.Equal(new Dictionary<string, string> { ["GREETING"] = "hi", ["TZ"] = "UTC" }, first.Environment);
        Assert.Equal(2, first.ProvisionedEnvironments);
        Assert.Equal(4, first.MaxEnvironments);

        var second = functions[1];
        Assert.Equal("other", second.Name);
        Assert.Equal(shared, second.CodeDirectory);
        Assert.Equal("", second.Handler);
        Assert.Equal(128, second.MemorySizeMb);
        Assert.Equal(3, second.TimeoutSeconds);
        Assert.Equal("", second.Description);
        Assert.Empty(second.Environment);
        Assert.Equal(0, second.ProvisionedEnvironments);
        Assert.Null(second.MaxEnvironments); // no cap of its own: Lambda's limits and the machine's
    }

    [Fact]
    public void Property_names_are_case_insensitive()
    {
        CodeFolder("config/fn");
        Write("config/functions.json", """{"functions":[{"functionName":"lower","code":"fn","timeout":9,"memorysize":512}]}""");
        var function = Assert.Single(Load("config/functions.json"));
        Assert.Equal("lower", function.Name);
        Assert.Equal(9, function.TimeoutSeconds);
        Assert.Equal(512, function.MemorySizeMb);
    }

    [Fact]
    public void Functions_file_without_functions_gives_none()
    {
        Write("config/functions.json", "{}");
        Assert.Empty(Load("config/functions.json"));
    }

    [Fact]
    public void Relative_path_to_the_file_itself_is_resolved()
    {
        CodeFolder("config/fn");
        var file = FileWith("""{"FunctionName":"f","Code":"fn"}""");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, file);
        Assert.Equal(Path.Combine(_root, "config", "fn"), Assert.Single(FunctionConfigLoader.Load(relative, Region, Account)).CodeDirectory);
    }

    [Fact]
    public void Missing_path_is_reported()
    {
        var missing = Path.Combine(_root, "nope.json");
        Assert.Equal($"Functions file or folder not found: {missing}", LoadFails("nope.json"));
    }

    [Theory]
    [InlineData("{ \"Functions\": [ { \"FunctionName\": ")]
    [InlineData("not json")]
    [InlineData("{ \"Functions\": [ { \"FunctionName\": \"f\", \"Timeout\": \"ten\" } ] }")]
    [InlineData("{ \"Functions\": { } }")]
    public void Invalid_json_is_reported_with_the_file(string content)
    {
        var file = Write("config/functions.json", content);
        Assert.StartsWith($"{file}: not valid JSON: ", LoadFails("config/functions.json"));
    }

    [Fact]
    public void Null_document_is_reported_as_empty()
    {
        var file = Write("config/functions.json", "null");
        Assert.Equal($"{file}: empty.", LoadFails("config/functions.json"));
    }

    [Fact]
    public void Missing_bootstrap_names_the_path()
    {
        Directory.CreateDirectory(Path.Combine(_root, "config", "empty"));
        var file = FileWith("""{"FunctionName":"f","Code":"empty"}""");
        var bootstrap = Path.Combine(_root, "config", "empty", "bootstrap");
        Assert.Equal(
            $"{file}: function 'f': {bootstrap} does not exist: a function's code folder must hold an executable named bootstrap.",
            LoadFails("config/functions.json"));
    }

    [Fact]
    public void Missing_code_folder_names_the_path()
    {
        FileWith("""{"FunctionName":"f","Code":"../missing"}""");
        var message = LoadFails("config/functions.json");
        Assert.Contains($"function 'f': code folder {Path.Combine(_root, "missing")} does not exist", message);
    }

    [Fact]
    public void Missing_code_is_reported()
    {
        var file = FileWith("""{"FunctionName":"f"}""");
        Assert.Equal($"{file}: function 'f': Code (the folder holding bootstrap) is required.", LoadFails("config/functions.json"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("901")]
    public void Bad_timeout(string timeout)
    {
        CodeFolder("config/fn");
        var file = FileWith($$"""{"FunctionName":"f","Code":"fn","Timeout":{{timeout}}}""");
        Assert.Equal($"{file}: function 'f': Timeout {timeout} must be between 1 and 900 seconds.", LoadFails("config/functions.json"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(900)]
    public void Timeout_bounds_are_inclusive(int timeout)
    {
        CodeFolder("config/fn");
        FileWith($$"""{"FunctionName":"f","Code":"fn","Timeout":{{timeout}}}""");
        Assert.Equal(timeout, Assert.Single(Load("config/functions.json")).TimeoutSeconds);
    }

    [Theory]
    [InlineData("127")]
    [InlineData("0")]
    [InlineData("10241")]
    public void Bad_memory_size(string memory)
    {
        CodeFolder("config/fn");
        var file = FileWith($$"""{"FunctionName":"f","Code":"fn","MemorySize":{{memory}}}""");
        Assert.Equal($"{file}: function 'f': MemorySize {memory} must be between 128 and 10240 MB.", LoadFails("config/functions.json"));
    }

    [Theory]
    [InlineData("511")]
    [InlineData("10241")]
    public void Bad_ephemeral_storage(string size)
    {
        CodeFolder("config/fn");
        var file = FileWith($$$"""{"FunctionName":"f","Code":"fn","EphemeralStorage":{"Size":{{{size}}}}}""");
        Assert.Equal($"{file}: function 'f': EphemeralStorage.Size {size} must be between 512 and 10240 MB.", LoadFails("config/functions.json"));
    }

    [Theory]
    [InlineData("", 512)]
    [InlineData(",\"EphemeralStorage\":{\"Size\":10240}", 10240)]
    public void Ephemeral_storage_defaults_to_512_MB(string member, int expected)
    {
        CodeFolder("config/fn");
        FileWith($$"""{"FunctionName":"f","Code":"fn"{{member}}}""");
        Assert.Equal(expected, Assert.Single(Load("config/functions.json")).EphemeralStorageMb);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(10240)]
    public void Memory_size_bounds_are_inclusive(int memory)
    {
        CodeFolder("config/fn");
        FileWith($$"""{"FunctionName":"f","Code":"fn","MemorySize":{{memory}}}""");
        Assert.Equal(memory, Assert.Single(Load("config/functions.json")).MemorySizeMb);
    }

    [Theory]
    [InlineData("\"ProvisionedEnvironments\":3,\"MaxEnvironments\":2", "ProvisionedEnvironments (3) must not exceed MaxEnvironments (2).")]
    [InlineData("\"ProvisionedEnvironments\":-1", "ProvisionedEnvironments (-1) must be 0 or more.")]
    [InlineData("\"MaxEnvironments\":0", "MaxEnvironments (0) must be at least 1 (leave it out to bound the function by Lambda's limits only).")]
    public void Bad_environment_counts(string members, string message)
    {
        CodeFolder("config/fn");
        var file = FileWith($$"""{"FunctionName":"f","Code":"fn",{{members}}}""");
        Assert.Equal($"{file}: function 'f': {message}", LoadFails("config/functions.json"));
    }

    [Fact]
    public void Without_MaxEnvironments_any_number_may_be_pre_forked()
    {
        CodeFolder("config/fn");
        FileWith("""{"FunctionName":"f","Code":"fn","ProvisionedEnvironments":11}""");
        Assert.Equal(11, Assert.Single(Load("config/functions.json")).ProvisionedEnvironments);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dot.ted")]
    [InlineData("colon:x")]
    [InlineData("x65")]
    public void Bad_function_name(string name)
    {
        if (name == "x65")
        {
            name = new string('x', 65);
        }
        CodeFolder("config/fn");
        var file = FileWith($$"""{"FunctionName":"{{name}}","Code":"fn"}""");
        Assert.Equal($"{file}: FunctionName '{name}' must be 1 to 64 letters, digits, '-' or '_'.", LoadFails("config/functions.json"));
    }

    [Fact]
    public void Name_of_64_characters_is_fine()
    {
        CodeFolder("config/fn");
        var name = new string('n', 64);
        FileWith($$"""{"FunctionName":"{{name}}","Code":"fn"}""");
        Assert.Equal(name, Assert.Single(Load("config/functions.json")).Name);
    }

    [Fact]
    public void Duplicate_names_are_refused()
    {
        CodeFolder("config/fn");
        var file = FileWith("""{"FunctionName":"twice","Code":"fn"},{"FunctionName":"other","Code":"fn"},{"FunctionName":"twice","Code":"fn"}""");
        Assert.Equal($"{file}: function 'twice' is registered twice.", LoadFails("config/functions.json"));
    }

    [Fact]
    public void Reserved_environment_variable_is_refused()
    {
        CodeFolder("config/fn");
        var file = FileWith("""{"FunctionName":"f","Code":"fn","Environment":{"Variables":{"OK_VAR":"1","AWS_REGION":"eu-west-1"}}}""");
        Assert.Equal(
            $"{file}: function 'f': InvalidParameterValueException: Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION",
            LoadFails("config/functions.json"));
    }

    [Fact]
    public void Environment_over_4_KB_is_refused()
    {
        CodeFolder("config/fn");
        var big = new string('x', 5000);
        FileWith("{\"FunctionName\":\"f\",\"Code\":\"fn\",\"Environment\":{\"Variables\":{\"BIG\":\"" + big + "\"}}}");
        Assert.Contains("exceeded the 4KB limit. String measured: {\"BIG\":\"xxx", LoadFails("config/functions.json"));
    }

    // ---- functions folder ----

    [Fact]
    public void Functions_folder_with_and_without_function_json()
    {
        var plain = CodeFolder("functions/plain");
        CodeFolder("functions/configured/bin");
        Write("functions/configured/function.json", """
            {
              // the folder's own settings; Code is relative to this folder
              "Code": "bin",
              "Handler": "main",
              "MemorySize": 1024,
              "Timeout": 60,
            }
            """);
        var named = CodeFolder("functions/folder-name");
        Write("functions/folder-name/function.json", """{ "FunctionName": "renamed" }""");

        var functions = Load("functions");

        // Sub-folders are read in ordinal order.
        Assert.Equal(["configured", "renamed", "plain"], functions.Select(f => f.Name));
        var configured = functions[0];
        Assert.Equal(Path.Combine(_root, "functions", "configured", "bin"), configured.CodeDirectory);
        Assert.Equal("main", configured.Handler);
        Assert.Equal(1024, configured.MemorySizeMb);
        Assert.Equal(60, configured.TimeoutSeconds);
        Assert.Equal("arn:aws:lambda:us-east-1:123456789012:function:configured", configured.Arn);

        Assert.Equal(named, functions[1].CodeDirectory);

        var defaults = functions[2];
        Assert.Equal(plain, defaults.CodeDirectory);
        Assert.Equal(Path.Combine(plain, "bootstrap"), defaults.Bootstrap);
        Assert.Equal("", defaults.Handler);
        Assert.Equal(128, defaults.MemorySizeMb);
        Assert.Equal(3, defaults.TimeoutSeconds);
    }

    [Fact]
    public void Empty_functions_folder_gives_none()
    {
        Directory.CreateDirectory(Path.Combine(_root, "functions"));
        Assert.Empty(Load("functions"));
    }

    [Fact]
    public void Files_in_the_functions_folder_are_ignored()
    {
        CodeFolder("functions/one");
        Write("functions/README.md", "not a function");
        Assert.Equal("one", Assert.Single(Load("functions")).Name);
    }

    [Fact]
    public void Folder_without_bootstrap_is_reported_with_the_folder()
    {
        var dir = Path.Combine(_root, "functions", "nobootstrap");
        Directory.CreateDirectory(dir);
        Assert.Equal(
            $"{dir}: function 'nobootstrap': {Path.Combine(dir, "bootstrap")} does not exist: a function's code folder must hold an executable named bootstrap.",
            LoadFails("functions"));
    }

    [Fact]
    public void Folder_with_bad_function_json_is_reported_with_the_file()
    {
        CodeFolder("functions/f");
        var file = Write("functions/f/function.json", """{ "Timeout": 0 }""");
        Assert.Equal($"{file}: function 'f': Timeout 0 must be between 1 and 900 seconds.", LoadFails("functions"));
    }

    [Fact]
    public void Folder_name_that_is_not_a_valid_function_name_is_refused()
    {
        var dir = CodeFolder("functions/bad name");
        Assert.Equal($"{dir}: FunctionName 'bad name' must be 1 to 64 letters, digits, '-' or '_'.", LoadFails("functions"));
    }

    [Fact]
    public void Two_folders_claiming_one_name_are_refused()
    {
        CodeFolder("functions/a");
        CodeFolder("functions/b");
        var file = Write("functions/b/function.json", """{ "FunctionName": "a" }""");
        Assert.Equal($"{file}: function 'a' is registered twice.", LoadFails("functions"));
    }

    [Fact]
    public void Resolve_builds_a_definition_from_a_config()
    {
        var code = CodeFolder("direct");
        var definition = FunctionConfigLoader.Resolve(new FunctionConfig { FunctionName = "d", Code = "direct" }, _root, "eu-west-1", "000000000000", "origin");
        Assert.Equal("arn:aws:lambda:eu-west-1:000000000000:function:d", definition.Arn);
        Assert.Equal(code, definition.CodeDirectory);
        var error = Assert.Throws<FunctionConfigurationException>(
            () => FunctionConfigLoader.Resolve(new FunctionConfig { FunctionName = "d", Code = "direct", Timeout = 0 }, _root, "eu-west-1", "000000000000", "origin"));
        Assert.StartsWith("origin: function 'd': ", error.Message);
    }
}

public class ReservedConcurrencyConfigTests
{
    [Fact]
    public void Reserved_concurrency_below_the_provisioned_environments_is_refused_with_AWSs_message()
    {
        var dir = Directory.CreateTempSubdirectory("reserved-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "bootstrap"), "#!/bin/sh\n");
            var config = new Gateway.Functions.FunctionConfig { FunctionName = "f", Code = ".", ProvisionedEnvironments = 2, ReservedConcurrentExecutions = 1 };

            var error = Assert.Throws<Gateway.Functions.FunctionConfigurationException>(() => Gateway.Functions.FunctionConfigLoader.Resolve(config, dir, "us-east-1", "000000000000", "test"));

            Assert.Contains(" ReservedConcurrentExecutions  1 should not be lower than function's total provisioned concurrency [2].", error.Message);
            config.ReservedConcurrentExecutions = 2;
            Assert.Equal(2, Gateway.Functions.FunctionConfigLoader.Resolve(config, dir, "us-east-1", "000000000000", "test").ReservedConcurrentExecutions);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
