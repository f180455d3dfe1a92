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

    [Fact]
    public async Task A_48_MB_zip_streams_to_disk_and_runs_and_a_51_MB_one_is_refused_with_AWSs_413()
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

        var body = new JsonObject
        {
            ["FunctionName"] = "too-large",
            ["Runtime"] = "provided.al2023",
            ["Role"] = ManagementApi.Role,
            ["Handler"] = "function.handler",
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(ZipWithBlob(51 * MiB, "{}")) },
        };
        using var refused = await gateway.Client.PostAsync("/2015-03-31/functions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json")).WithTimeout();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("RequestEntityTooLargeException", refused.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.Contains("Zipped size must be smaller than 52428800 bytes", await refused.Content.ReadAsStringAsync());
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
