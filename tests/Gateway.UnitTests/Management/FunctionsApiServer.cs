using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Functions;
using Gateway.Functions.Code;
using Gateway.Functions.Registry;
using Gateway.Management;
using Gateway.UnitTests.Support;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;

namespace Gateway.UnitTests.Management;

/// <summary>
/// The management endpoints alone on a loopback Kestrel (no function host: the registry is in memory), for testing
/// the HTTP surface — paths, status codes, headers, bodies — without Program.cs. Its data folder is deleted on dispose.
/// </summary>
internal sealed class FunctionsApiServer : IAsyncDisposable
{
    private readonly LoopbackApp _app;

    private FunctionsApiServer(LoopbackApp app, FunctionRegistry registry, string dataDirectory)
    {
        _app = app;
        Registry = registry;
        DataDirectory = dataDirectory;
    }

    public FunctionRegistry Registry { get; }

    public string DataDirectory { get; }

    public HttpClient Client => _app.Client;

    public static async Task<FunctionsApiServer> StartAsync()
    {
        var data = Path.Combine(Path.GetTempPath(), "mgmt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var options = new GatewayOptions { DataDirectory = data };
        var registry = new FunctionRegistry(RegistrySnapshot.Empty, null);
        var app = await LoopbackApp.StartAsync(web => ManagementEndpoints.MapFunctions(web, new ManagementContext
        {
            Registry = registry,
            Resolver = new FunctionResolver(registry, options.Region, options.AccountId, RoutingRandom.Create(1)),
            CodeStore = new CodeStore(data),
            Options = options,
            // No runtime files here: the OS-only runtimes (the managed ones are tested against the native binary).
            Runtimes = new Gateway.Runtimes.RuntimeCatalog(Path.Combine(data, "runtimes"), _ => { }),
        }));
        return new FunctionsApiServer(app, registry, data);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>A zip with an executable <c>bootstrap</c> (mode 0755 in the entry's Unix attributes, as <c>zip</c> writes it).</summary>
    public static byte[] Zip(string bootstrap)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = archive.CreateEntry("bootstrap");
            entry.ExternalAttributes = Convert.ToInt32("100755", 8) << 16;
            using var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false));
            writer.Write(bootstrap);
        }
        return buffer.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToBase64String(SHA256.HashData(bytes));

    public async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        var response = await Client.SendAsync(request).WithTimeout();
        var text = await response.Content.ReadAsStringAsync().WithTimeout();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response, body);
    }

    public static string CreateBody(string name, byte[] zip, string extra = "") =>
        $$"""{"FunctionName":"{{name}}","Runtime":"provided.al2023","Role":"arn:aws:iam::000000000000:role/lambda-role","Handler":"function.handler","Code":{"ZipFile":"{{Convert.ToBase64String(zip)}}"}{{extra}}}""";
}
