using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Deployment packages near AWS's 50 MB limit go through the native gateway without being held in its memory: the
/// request (70 MB of JSON with the zip in base64) streams to disk while it is decoded.
/// </summary>
public sealed class CodeUploadTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>GetFunction's Code.Location downloads the package for a function of the functions file too (its code
    /// is a folder): a zip of the folder, file modes kept, that CreateFunction takes back as it is and that runs.</summary>
    [Fact]
    public async Task Code_Location_of_a_functions_file_function_downloads_its_folder_as_a_zip_that_deploys_again()
    {
        // bash-echo's files, plus symbolic links to a file and a folder outside it: neither may reach the download.
        var folder = Directory.CreateTempSubdirectory("gw-folder-zip-").FullName;
        File.SetUnixFileMode(folder, (UnixFileMode)Convert.ToInt32("755", 8)); // readable by the functions' own user
        foreach (var file in Directory.EnumerateFiles(TestPaths.BashEchoDirectory))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            File.SetUnixFileMode(Path.Combine(folder, Path.GetFileName(file)), File.GetUnixFileMode(file));
        }
        File.CreateSymbolicLink(Path.Combine(folder, "hosts"), "/etc/hosts");
        Directory.CreateSymbolicLink(Path.Combine(folder, "etc"), "/etc");
        try
        {
            await using var gateway = await GatewayProcess.StartAsync([new TestFunction("bash-echo", folder, "function.handler")]);
            using var got = await gateway.Client.GetAsync("/2015-03-31/functions/bash-echo");
            var location = JsonNode.Parse(await got.Content.ReadAsStringAsync())!["Code"]!["Location"]!.GetValue<string>();

            var zip = await gateway.Client.GetByteArrayAsync(location).WithTimeout();
            using (var archive = new ZipArchive(new MemoryStream(zip)))
            {
                var bootstrap = archive.GetEntry("bootstrap");
                Assert.NotNull(bootstrap);
                Assert.Equal(Convert.ToInt32("755", 8), (bootstrap!.ExternalAttributes >> 16) & 0x1FF);
                using var content = new StreamReader(bootstrap.Open());
                Assert.Equal(await File.ReadAllTextAsync(Path.Combine(TestPaths.BashEchoDirectory, "bootstrap")), await content.ReadToEndAsync());
                Assert.Equal(["bootstrap", "function.sh"], archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            }
            // Made once and kept: the second download is the same file, not a new zip.
            var kept = Assert.Single(Directory.GetFiles(Path.Combine(gateway.DataDirectory, "code", "folders")));
            var madeAt = File.GetLastWriteTimeUtc(kept);
            Assert.Equal(zip, await gateway.Client.GetByteArrayAsync(location).WithTimeout());
            Assert.Equal(madeAt, File.GetLastWriteTimeUtc(Assert.Single(Directory.GetFiles(Path.Combine(gateway.DataDirectory, "code", "folders")))));

            await gateway.CreateFunctionAsync("redeployed", zip);
            await gateway.WaitUntilReadyAsync("redeployed");
            using var invoked = await gateway.InvokeAsync("redeployed", """{"again":true}""");
            Assert.Equal(HttpStatusCode.OK, invoked.StatusCode);
            Assert.False(invoked.Headers.Contains("X-Amz-Function-Error"), await invoked.Content.ReadAsStringAsync());

            using var unknown = await gateway.Client.GetAsync("/_gateway/code/" + new string('0', 64) + ".zip");
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true); // the links themselves go, not what they point to
        }
    }

    [Fact]
    public async Task A_48_MB_zip_streams_to_disk_and_runs_and_one_over_50_MB_is_refused_with_AWSs_413()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        // Warm the management path first, so the peak below measures the upload and nothing else.
        await gateway.CreateFunctionAsync("small", FunctionZip.BashAnswering("""{"small":true}"""));
        await gateway.WaitUntilReadyAsync("small");
        long peakBefore = Processes.PeakRssKb(gateway.Pid);

        await gateway.CreateFunctionAsync("large", ZipWithBlob(48 * MiB, """{"large":true}"""), timeout: 30);
        await gateway.WaitUntilReadyAsync("large");
        long growthKb = Processes.PeakRssKb(gateway.Pid) - peakBefore;

        // Holding the 64 MB request or the 48 MB zip would raise the peak by at least that much.
        Assert.True(growthKb < 24 * 1024, $"the gateway's peak RSS grew by {growthKb} kB for a 48 MB zip (64 MB request)");
        using var invoked = await gateway.InvokeAsync("large", "{}");
        Assert.Equal("""{"large":true}""", await invoked.Content.ReadAsStringAsync());
        var configuration = await gateway.GetFunctionConfigurationAsync("large");
        Assert.True(configuration["CodeSize"]!.GetValue<long>() > 48 * MiB);

        // Just over 50 MB zipped (a 50 MiB blob plus the bootstrap; its base64 still under the 70 MB request limit):
        // refused while it streams in, so the gateway answers and closes before the client has sent everything — a
        // raw client that listens while it sends.
        var body = Encoding.ASCII.GetBytes(new JsonObject
        {
            ["FunctionName"] = "too-large",
            ["Runtime"] = "provided.al2023",
            ["Role"] = ManagementApi.Role,
            ["Handler"] = "function.handler",
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(ZipWithBlob(50 * MiB, "{}")) },
        }.ToWire());
        var response = await RawPostAsync(gateway, "/2015-03-31/functions", body);
        Assert.StartsWith("HTTP/1.1 413", response);
        Assert.Contains("x-amzn-ErrorType: RequestEntityTooLargeException", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Zipped size must be smaller than 52428800 bytes", response);
        Assert.True(Processes.PeakRssKb(gateway.Pid) - peakBefore < 24 * 1024, "the refused upload was held in memory");
    }

    /// <summary>Sends a body while listening; returns the whole answer (head and body) as text.</summary>
    private static async Task<string> RawPostAsync(GatewayProcess gateway, string path, byte[] body)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port).WithTimeout(10_000);
        using var stream = new System.Net.Sockets.NetworkStream(socket);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
        var reading = ReadToEndAsync(stream);
        try
        {
            for (int offset = 0; offset < body.Length && !reading.IsCompleted; offset += 64 * 1024)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset)));
            }
        }
        catch (IOException)
        {
            // answered and closed mid-upload, as intended
        }
        return await reading.WithTimeout(30_000);
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(chunk)) > 0)
            {
                buffer.Write(chunk, 0, n);
            }
        }
        catch (IOException)
        {
            // reset after the answer: what arrived is the answer
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A bash runtime plus <paramref name="blobBytes"/> of random (incompressible) data, stored.</summary>
    private static byte[] ZipWithBlob(long blobBytes, string answer)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var source = new ZipArchive(new MemoryStream(FunctionZip.BashAnswering(answer))))
            {
                var bootstrap = archive.CreateEntry("bootstrap");
                bootstrap.ExternalAttributes = source.Entries[0].ExternalAttributes;
                using var to = bootstrap.Open();
                using var from = source.Entries[0].Open();
                from.CopyTo(to);
            }
            var blob = archive.CreateEntry("blob.bin", CompressionLevel.NoCompression);
            using var stream = blob.Open();
            var chunk = new byte[MiB];
            for (long written = 0; written < blobBytes; written += chunk.Length)
            {
                RandomNumberGenerator.Fill(chunk);
                stream.Write(chunk);
            }
        }
        return buffer.ToArray();
    }
}
