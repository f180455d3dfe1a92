using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// Lambda layers against the native binary: the Layers API through both aws CLIs, a function that reads a file from
/// each of its two layers in its /opt (the later layer winning a clash), AWS's errors with their exact bodies, the
/// 250 MB limit over code and layers together, and layers (and functions using them) across a restart.
/// </summary>
public sealed partial class LayerTests : IAsyncLifetime
{
    private const int Mode644 = 0b110_100_100;

    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>A bash custom runtime answering with the contents of one.txt, two.txt and shared.txt from its /opt:
    /// <c>GATEWAY_OPT_DIR</c> where the worker's environment names it, else the last LD_LIBRARY_PATH entry
    /// (<c>{opt}/lib</c>, which the gateway has always set).</summary>
    private static byte[] OptReader() => FunctionZip.Build(("bootstrap", OptReaderScript, 0b111_101_101));

    /// <summary>The bash script of <see cref="OptReader"/> (LF endings whatever the checkout's: bash reads a CR as part of a word).</summary>
    private static readonly string OptReaderScript = """
        #!/bin/bash
        set -euo pipefail
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        opt="${GATEWAY_OPT_DIR:-}"
        if [ -z "$opt" ]; then last="${LD_LIBRARY_PATH##*:}"; opt="${last%/lib}"; fi
        headers="$(mktemp)"
        while true; do
          curl -sS --fail -D "$headers" -o "$headers.event" "$api/invocation/next"
          id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
          body="{\"one\":\"$(cat "$opt/one.txt" 2>/dev/null || echo missing)\",\"two\":\"$(cat "$opt/two.txt" 2>/dev/null || echo missing)\",\"shared\":\"$(cat "$opt/shared.txt")\"}"
          curl -sS -o /dev/null -X POST --data-binary "$body" "$api/invocation/$id/response"
        done

        """.Replace("\r", "");

    private static byte[] LayerOne() => FunctionZip.Build(("one.txt", "one", Mode644), ("shared.txt", "from layer one", Mode644));

    private static byte[] LayerTwo() => FunctionZip.Build(("two.txt", "two", Mode644), ("shared.txt", "from layer two", Mode644));

    [GeneratedRegex(@"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000\z")]
    private static partial Regex LambdaDate();

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task Layers_from_publish_to_delete_with_the_aws_cli(string cli)
    {
        using var aws = new AwsCli(cli);
        var v = cli == "aws" ? "v1" : "v2";
        byte[] one = LayerOne();
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "one.zip"), one);
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "two.zip"), LayerTwo());
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "function.zip"), OptReader());

        var first = await Ok(aws, "publish-layer-version", "--layer-name", $"one-{v}", "--zip-file", "fileb://one.zip",
            "--compatible-runtimes", "provided.al2023", "python3.12", "--compatible-architectures", "x86_64",
            "--description", "first layer", "--license-info", "MIT");
        var layerArn = first.GetProperty("LayerArn").GetString()!;
        var oneArn = first.GetProperty("LayerVersionArn").GetString()!;
        Assert.Matches(@"\Aarn:aws:lambda:us-east-1:\d{12}:layer:one-v[12]\z", layerArn);
        Assert.Equal(layerArn + ":1", oneArn);
        Assert.Equal(1, first.GetProperty("Version").GetInt64());
        Assert.Equal(one.Length, first.GetProperty("Content").GetProperty("CodeSize").GetInt64());
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(one)), first.GetProperty("Content").GetProperty("CodeSha256").GetString());
        Assert.Matches(LambdaDate(), first.GetProperty("CreatedDate").GetString()!);
        Assert.Equal(["provided.al2023", "python3.12"], first.GetProperty("CompatibleRuntimes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("MIT", first.GetProperty("LicenseInfo").GetString());
        Assert.Equal("first layer", first.GetProperty("Description").GetString());
        // Content.Location serves the zip as published.
        Assert.Equal(one, await _gateway.Client.GetByteArrayAsync(first.GetProperty("Content").GetProperty("Location").GetString()).WithTimeout());

        var second = await Ok(aws, "publish-layer-version", "--layer-name", $"two-{v}", "--zip-file", "fileb://two.zip");
        var twoArn = second.GetProperty("LayerVersionArn").GetString()!;
        Assert.False(second.TryGetProperty("CompatibleRuntimes", out _)); // none named: left out, as AWS does

        Assert.Equal(oneArn, (await Ok(aws, "get-layer-version", "--layer-name", $"one-{v}", "--version-number", "1")).GetProperty("LayerVersionArn").GetString());
        Assert.Equal(oneArn, (await Ok(aws, "get-layer-version", "--layer-name", layerArn, "--version-number", "1")).GetProperty("LayerVersionArn").GetString());
        Assert.Equal(oneArn, (await Ok(aws, "get-layer-version-by-arn", "--arn", oneArn)).GetProperty("LayerVersionArn").GetString());
        var python = (await Ok(aws, "list-layers", "--compatible-runtime", "python3.12")).GetProperty("Layers").EnumerateArray()
            .Select(l => l.GetProperty("LayerName").GetString()).ToList();
        Assert.Contains($"one-{v}", python);
        Assert.DoesNotContain($"two-{v}", python);
        var listed = (await Ok(aws, "list-layer-versions", "--layer-name", $"one-{v}")).GetProperty("LayerVersions").EnumerateArray().ToList();
        Assert.Equal(oneArn, Assert.Single(listed).GetProperty("LayerVersionArn").GetString());
        Assert.False(listed[0].TryGetProperty("Content", out _));

        var name = $"layered-{v}";
        var created = await Ok(aws, "create-function", "--function-name", name, "--runtime", "provided.al2023", "--role", ManagementApi.Role,
            "--handler", "function.handler", "--zip-file", "fileb://function.zip", "--layers", oneArn, twoArn);
        Assert.Equal([oneArn, twoArn], created.GetProperty("Layers").EnumerateArray().Select(l => l.GetProperty("Arn").GetString()));
        Assert.Equal(one.Length, created.GetProperty("Layers")[0].GetProperty("CodeSize").GetInt64());
        await Ok(aws, "wait", "function-active-v2", "--function-name", name);
        await InvokeAsync(aws, name, """{"one":"one","two":"two","shared":"from layer two"}""");
        var configuration = await Ok(aws, "get-function-configuration", "--function-name", name);
        Assert.Equal([oneArn, twoArn], configuration.GetProperty("Layers").EnumerateArray().Select(l => l.GetProperty("Arn").GetString()));

        // The other order: layer one wins the clash.
        await Ok(aws, "update-function-configuration", "--function-name", name, "--layers", twoArn, oneArn);
        await Ok(aws, "wait", "function-updated-v2", "--function-name", name);
        await InvokeAsync(aws, name, """{"one":"one","two":"two","shared":"from layer one"}""");
        var published = await Ok(aws, "publish-version", "--function-name", name);
        Assert.Equal([twoArn, oneArn], published.GetProperty("Layers").EnumerateArray().Select(l => l.GetProperty("Arn").GetString()));

        // Deleted: gone from the API, kept by the functions that use it (a fresh environment still sees it).
        await Ok(aws, "delete-layer-version", "--layer-name", $"one-{v}", "--version-number", "1");
        var (exit, _, stderr) = await aws.LambdaAsync(_gateway, ["get-layer-version", "--layer-name", $"one-{v}", "--version-number", "1"]);
        Assert.NotEqual(0, exit);
        Assert.Contains("ResourceNotFoundException", stderr);
        await Ok(aws, "update-function-configuration", "--function-name", name, "--description", "after the delete");
        await Ok(aws, "wait", "function-updated-v2", "--function-name", name);
        await InvokeAsync(aws, name, """{"one":"one","two":"two","shared":"from layer one"}""");
        await InvokeAsync(aws, name, """{"one":"one","two":"two","shared":"from layer one"}""", qualifier: "1");
        var (refusedExit, _, refused) = await aws.LambdaAsync(_gateway, ["create-function", "--function-name", name + "-2", "--runtime", "provided.al2023",
            "--role", ManagementApi.Role, "--handler", "h", "--zip-file", "fileb://function.zip", "--layers", oneArn]);
        Assert.NotEqual(0, refusedExit);
        Assert.Contains($"InvalidParameterValueException", refused);
        Assert.Contains($"Layer version {oneArn} does not exist.", refused);

        // Numbers are never reused.
        Assert.Equal(2, (await Ok(aws, "publish-layer-version", "--layer-name", $"one-{v}", "--zip-file", "fileb://one.zip")).GetProperty("Version").GetInt64());
        await Ok(aws, "delete-function", "--function-name", name);
    }

    [Fact]
    public async Task Errors_have_the_bodies_AWS_sends()
    {
        var one = await PublishAsync("errors-one", LayerOne());
        var two = await PublishAsync("errors-one", LayerOne());
        var arn = one["LayerVersionArn"]!.GetValue<string>();
        var layerArn = one["LayerArn"]!.GetValue<string>();
        var prefix = layerArn[..(layerArn.LastIndexOf(':') + 1)];

        // Functions: more than 5, a missing version, two versions of one layer, a layer ARN that is not a version's.
        var six = Enumerable.Range(1, 6).Select(i => $"{prefix}l{i}:1").ToArray();
        await ExpectAsync(CreateAsync("too-many", six), 400, "InvalidParameterValueException", """{"Type":"User","message":"Cannot reference more than 5 layers."}""");
        await ExpectAsync(CreateAsync("missing", [$"{prefix}doesnotexist:1"]), 400, "InvalidParameterValueException",
            $$"""{"Type":"User","message":"Layer version {{prefix}}doesnotexist:1 does not exist."}""");
        await ExpectAsync(CreateAsync("missing-version", [$"{layerArn}:9"]), 400, "InvalidParameterValueException",
            $$"""{"Type":"User","message":"Layer version {{layerArn}}:9 does not exist."}""");
        await ExpectAsync(CreateAsync("two-versions", [arn, two["LayerVersionArn"]!.GetValue<string>()]), 400, "InvalidParameterValueException",
            $$"""{"Type":"User","message":"Two different versions of the same layer are not allowed to be referenced in the same function. {{arn}} and {{layerArn}}:2 are versions of the same layer."}""");
        var pattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)";
        await ExpectAsync(CreateAsync("no-version", [layerArn]), 400, "ValidationException", new JsonObject
        {
            ["message"] = $"1 validation error detected: Value '[{layerArn}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: {pattern}, Member must not be null]",
        }.ToJsonString());

        // The Layers API.
        await ExpectAsync(SendAsync(HttpMethod.Get, "/2018-10-31/layers/layerdoesnotexist/versions/1"), 404, "ResourceNotFoundException",
            """{"Type":"User","Message":"The resource you requested does not exist."}""");
        await ExpectAsync(SendAsync(HttpMethod.Get, "/2018-10-31/layers/errors-one/versions/3"), 404, "ResourceNotFoundException",
            """{"Type":"User","Message":"The resource you requested does not exist."}""");
        await ExpectAsync(SendAsync(HttpMethod.Get, "/2018-10-31/layers/errors-one/versions/0"), 400, "InvalidParameterValueException",
            """{"Type":"User","message":"Layer Version Cannot be less than 1"}""");
        await ExpectAsync(SendAsync(HttpMethod.Delete, "/2018-10-31/layers/errors-one/versions/-1"), 400, "InvalidParameterValueException",
            """{"Type":"User","message":"Layer Version Cannot be less than 1"}""");
        await ExpectAsync(SendAsync(HttpMethod.Get, "/2018-10-31/layers?find=LayerVersion&Arn=" + Uri.EscapeDataString(layerArn)), 400, "ValidationException", new JsonObject
        {
            ["message"] = $"1 validation error detected: Value '{layerArn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}",
        }.ToJsonString());
        await ExpectAsync(SendAsync(HttpMethod.Get, "/2018-10-31/layers?CompatibleArchitecture=archdoesnotexist"), 400, "ValidationException",
            """{"message":"1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]"}""");
        await ExpectAsync(SendAsync(HttpMethod.Post, "/2018-10-31/layers/errors-two/versions", new JsonObject
        {
            ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(LayerOne()) },
            ["CompatibleRuntimes"] = new JsonArray("invalidruntime"),
            ["CompatibleArchitectures"] = new JsonArray("invalidarch"),
        }), 400, "ValidationException",
            """{"message":"2 validation errors detected: Value '[invalidruntime]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2]; Value '[invalidarch]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"}""");
        await ExpectAsync(SendAsync(HttpMethod.Post, "/2018-10-31/layers/errors-two/versions", new JsonObject
        {
            ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String("not a zip"u8.ToArray()) },
        }), 400, "InvalidParameterValueException",
            """{"Type":"User","message":"Could not unzip uploaded file. Please check your file, then try to upload again."}""");

        // Pages: newest version first, Marker/MaxItems as AWS's CLI pages them.
        var firstPage = JsonNode.Parse(await _gateway.Client.GetStringAsync("/2018-10-31/layers/errors-one/versions?MaxItems=1").WithTimeout())!;
        Assert.Equal(2, Assert.Single(firstPage["LayerVersions"]!.AsArray())!["Version"]!.GetValue<long>());
        var marker = firstPage["NextMarker"]!.GetValue<string>();
        var secondPage = JsonNode.Parse(await _gateway.Client.GetStringAsync("/2018-10-31/layers/errors-one/versions?MaxItems=1&Marker=" + Uri.EscapeDataString(marker)).WithTimeout())!;
        Assert.Equal(1, Assert.Single(secondPage["LayerVersions"]!.AsArray())!["Version"]!.GetValue<long>());
        Assert.Null(secondPage["NextMarker"]);

        // Nothing to delete is not an error (LS-REC delete_nonexistent_response); a missing layer lists no versions.
        using (var deleted = await SendAsync(HttpMethod.Delete, "/2018-10-31/layers/layerdoesnotexist/versions/1"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        Assert.Equal("""{"LayerVersions":[]}""", await _gateway.Client.GetStringAsync("/2018-10-31/layers/layerdoesnotexist/versions").WithTimeout());
    }

    [Fact]
    public async Task A_custom_runtime_in_a_layer_runs_a_function_whose_code_has_no_bootstrap()
    {
        // AWS's custom-runtime tutorial: the bootstrap in a layer (/opt/bootstrap), "Lambda uses this runtime, but only
        // if you remove it from the function's deployment package".
        var runtime = await PublishAsync("bash-runtime", FunctionZip.Build(
            ("bootstrap", OptReaderScript, 0b111_101_101), ("one.txt", "one", Mode644), ("shared.txt", "from the runtime layer", Mode644)));
        using (var created = await CreateAsync("runtime-from-layer", [runtime["LayerVersionArn"]!.GetValue<string>()],
            FunctionZip.Build(("function.sh", "function handler () { :; }\n", Mode644))))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        await _gateway.WaitUntilReadyAsync("runtime-from-layer");
        Assert.Equal("""{"one":"one","two":"missing","shared":"from the runtime layer"}""", await InvokeTextAsync(_gateway, "runtime-from-layer"));
    }

    [Fact]
    public async Task The_250_MB_counts_the_code_and_its_layers_together()
    {
        // Small zipped, large unzipped: 150 MB of zeros each, so each fits alone and both together do not.
        const int size = 150 * 1024 * 1024;
        var layer = await PublishAsync("big", Zeros("big.bin", size));
        using var response = await CreateAsync("too-big", [layer["LayerVersionArn"]!.GetValue<string>()], Zeros("bootstrap", size));
        var total = 2L * size;
        await ExpectAsync(Task.FromResult(response), 400, "InvalidParameterValueException",
            $$"""{"Type":"User","message":"Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is {{total}} bytes."}""");
    }

    [Fact]
    public async Task Layers_and_the_functions_using_them_survive_a_restart()
    {
        var one = await PublishAsync("kept-one", LayerOne());
        var two = await PublishAsync("kept-two", LayerTwo());
        await PublishAsync("kept-one", LayerOne());
        var oneArn = one["LayerVersionArn"]!.GetValue<string>();
        var twoArn = two["LayerVersionArn"]!.GetValue<string>();
        using (var deleted = await SendAsync(HttpMethod.Delete, "/2018-10-31/layers/kept-one/versions/2"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using (var created = await CreateAsync("kept", [oneArn, twoArn]))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        await _gateway.WaitUntilReadyAsync("kept");

        // The functions file may name layers published through the API: a bash function in a folder.
        var root = Path.GetDirectoryName(_gateway.FunctionsFile)!;
        var folder = Path.Combine(root, "from-file");
        ZipFile.ExtractToDirectory(new MemoryStream(OptReader()), folder);
        File.SetUnixFileMode(Path.Combine(folder, "bootstrap"), (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(_gateway.FunctionsFile, new JsonObject
        {
            ["Functions"] = new JsonArray(new JsonObject { ["FunctionName"] = "from-file", ["Code"] = "from-file", ["Layers"] = new JsonArray(twoArn, oneArn) }),
        }.ToJsonString());

        Assert.Equal(0, await _gateway.StopAsync());
        // A merged folder lost while the gateway was down is made again at start (same layers, same path).
        foreach (var merged in Directory.GetDirectories(Path.Combine(_gateway.DataDirectory, "code", "opt")).Where(d => Path.GetFileName(d) != "empty"))
        {
            Directory.Delete(merged, recursive: true);
        }
        await using var restarted = await GatewayProcess.RestartAsync(_gateway);

        var kept = JsonNode.Parse(await restarted.Client.GetStringAsync("/2018-10-31/layers/kept-one/versions/1").WithTimeout())!;
        Assert.Equal(oneArn, kept["LayerVersionArn"]!.GetValue<string>());
        Assert.Equal("""{"one":"one","two":"two","shared":"from layer two"}""", await InvokeTextAsync(restarted, "kept"));
        var configuration = await restarted.GetFunctionConfigurationAsync("kept");
        Assert.Equal([oneArn, twoArn], configuration["Layers"]!.AsArray().Select(l => l!["Arn"]!.GetValue<string>()));
        Assert.Equal("""{"one":"one","two":"two","shared":"from layer one"}""", await InvokeTextAsync(restarted, "from-file"));
        Assert.Equal([twoArn, oneArn], (await restarted.GetFunctionConfigurationAsync("from-file"))["Layers"]!.AsArray().Select(l => l!["Arn"]!.GetValue<string>()));

        // Version 2 was deleted before the restart: the next is 3.
        using var next = await restarted.Client.PostAsync("/2018-10-31/layers/kept-one/versions", Json(new JsonObject
        {
            ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(LayerOne()) },
        })).WithTimeout();
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        Assert.Equal(3, JsonNode.Parse(await next.Content.ReadAsStringAsync())!["Version"]!.GetValue<long>());
    }

    private static byte[] Zeros(string entry, int size)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var file = archive.CreateEntry(entry, CompressionLevel.Optimal);
            file.ExternalAttributes = (0x8000 | 0b111_101_101) << 16;
            using var stream = file.Open();
            var chunk = new byte[1024 * 1024];
            for (int written = 0; written < size; written += chunk.Length)
            {
                stream.Write(chunk);
            }
        }
        return buffer.ToArray();
    }

    private async Task<JsonNode> PublishAsync(string layer, byte[] zip)
    {
        using var response = await _gateway.Client.PostAsync($"/2018-10-31/layers/{layer}/versions", Json(new JsonObject
        {
            ["Content"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip) },
        })).WithTimeout(60_000);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"PublishLayerVersion {layer}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private Task<HttpResponseMessage> CreateAsync(string name, string[] layers, byte[]? zip = null) =>
        SendAsync(HttpMethod.Post, "/2015-03-31/functions", new JsonObject
        {
            ["FunctionName"] = name,
            ["Runtime"] = "provided.al2023",
            ["Role"] = ManagementApi.Role,
            ["Handler"] = "function.handler",
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(zip ?? OptReader()) },
            ["Layers"] = new JsonArray(layers.Select(l => (JsonNode)JsonValue.Create(l)).ToArray()),
        });

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        return await _gateway.Client.SendAsync(request).WithTimeout(60_000);
    }

    /// <summary>The status, the x-amzn-ErrorType header and the body, which must be exactly <paramref name="expectedBody"/>'s members.</summary>
    private static async Task ExpectAsync(Task<HttpResponseMessage> sending, int status, string errorType, string expectedBody)
    {
        using var response = await sending;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        Assert.Equal(errorType, response.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expectedBody), JsonNode.Parse(body)), $"expected {expectedBody}\nactual   {body}");
    }

    private static StringContent Json(JsonObject body) => new(body.ToWire(), Encoding.UTF8, "application/json");

    private static async Task<string> InvokeTextAsync(GatewayProcess gateway, string name)
    {
        using var response = await gateway.InvokeAsync(name, "{}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("X-Amz-Function-Error"), $"{(int)response.StatusCode} {text}");
        return text;
    }

    private async Task InvokeAsync(AwsCli aws, string name, string expected, string? qualifier = null)
    {
        string[] args = ["invoke", "--function-name", name, "--payload", "{}", "out.json"];
        var result = await Ok(aws, qualifier is null ? args : [.. args, "--qualifier", qualifier]);
        Assert.False(result.TryGetProperty("FunctionError", out _), await File.ReadAllTextAsync(Path.Combine(aws.Directory, "out.json")));
        Assert.Equal(expected, await File.ReadAllTextAsync(Path.Combine(aws.Directory, "out.json")));
    }

    private async Task<JsonElement> Ok(AwsCli aws, params string[] args)
    {
        var (exit, stdout, stderr) = await aws.LambdaAsync(_gateway, args);
        Assert.True(exit == 0, $"aws lambda {string.Join(' ', args)}: exit {exit}\n{stderr}");
        return stdout.Trim().Length == 0 ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
