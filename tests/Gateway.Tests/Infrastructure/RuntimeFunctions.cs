using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>CreateFunction for the managed runtimes (nodejs*, python3.*): a zip of source files, a Runtime and a Handler.</summary>
public static class RuntimeFunctions
{
    /// <summary>The published gateway's runtimes folder (scripts/publish.sh + scripts/build-node-runtime.sh fill it).</summary>
    public static string RuntimesDirectory => Path.Combine(Path.GetDirectoryName(TestPaths.GatewayBinary)!, "runtimes");

    /// <summary>Fails with the command that builds it when the Node.js runtime is not beside the binary.</summary>
    public static string RequireNodeRuntime()
    {
        var index = Path.Combine(RuntimesDirectory, "nodejs", "index.mjs");
        return File.Exists(index)
            ? Path.GetDirectoryName(index)!
            : throw new FileNotFoundException($"{index} is missing: run scripts/publish.sh then scripts/build-node-runtime.sh (./test.sh does).");
    }

    /// <summary>Creates <paramref name="name"/> through the API and waits until it is Active.</summary>
    public static async Task<JsonNode> CreateRuntimeFunctionAsync(this GatewayProcess gateway, string name, string runtime, string handler, byte[] zip,
        int memorySize = 128, int timeout = 10, IReadOnlyDictionary<string, string>? environment = null)
    {
        var body = new JsonObject
        {
            ["FunctionName"] = name,
            ["Runtime"] = runtime,
            ["Role"] = ManagementApi.Role,
            ["Handler"] = handler,
            ["MemorySize"] = memorySize,
            ["Timeout"] = timeout,
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip) },
        };
        if (environment is not null)
        {
            var variables = new JsonObject();
            foreach (var (key, value) in environment)
            {
                variables[key] = value;
            }
            body["Environment"] = new JsonObject { ["Variables"] = variables };
        }
        var created = await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", body, HttpStatusCode.Created);
        await gateway.WaitUntilReadyAsync(name);
        return created;
    }

    /// <summary>A zip of source files (mode 644; 755 for names ending in .sh).</summary>
    public static byte[] Sources(params (string Path, string Content)[] files) =>
        FunctionZip.Build([.. files.Select(f => (f.Path, f.Content, f.Path.EndsWith(".sh", StringComparison.Ordinal) ? 0b111_101_101 : 0b110_100_100))]);
}
