using Gateway.ClusterMode.Registry;
using Gateway.Functions.Code;
using Gateway.UnitTests.Functions.Code;
using static Gateway.UnitTests.Management.Records;

namespace Gateway.UnitTests.Functions.Registry;

/// <summary>Cluster mode carries a function's recursion and runtime-management settings in its registry document
/// (the same PersistedFunction JSON as registry.db), so every node answers the value one node stored.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RegistryDocumentsSettingsTests
{
    [Fact]
    public void Recursion_and_runtime_management_settings_cross_the_cluster_document()
    {
        using var data = new TempDirectory();
        // A functions-file code folder keeps its path, so no zip moves and Redis is never asked (no blobs needed).
        var documents = new RegistryDocuments(new ClusterCode(new CodeStore(data.Path), null!));
        var function = Function("fn", published: 1);
        function = function with
        {
            RecursiveLoop = "Allow",
            Latest = function.Latest with { UpdateRuntimeOn = "Manual", RuntimeVersionArn = "arn:aws:lambda:us-east-1::runtime:abc" },
            Versions = function.Versions.SetItem("1", function.Versions["1"] with { UpdateRuntimeOn = "FunctionUpdate" }),
        };
        var zips = new List<string>();
        var read = documents.FromJson(documents.ToJson(function, zips));
        Assert.Empty(zips);
        Assert.Equal("Allow", read.RecursiveLoop);
        Assert.Equal(("Manual", "arn:aws:lambda:us-east-1::runtime:abc"), (read.Latest.UpdateRuntimeOn, read.Latest.RuntimeVersionArn));
        Assert.Equal(("FunctionUpdate", (string?)null), (read.Versions["1"].UpdateRuntimeOn, read.Versions["1"].RuntimeVersionArn));
    }
}
