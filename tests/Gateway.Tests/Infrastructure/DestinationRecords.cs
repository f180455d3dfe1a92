using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>Reads the JSON-lines files Gateway writes for destinations (one AWS destination record per line).</summary>
public static class DestinationRecords
{
    /// <summary>Every complete line of <paramref name="file"/> (a line still being written is left out).</summary>
    public static List<JsonElement> Read(string file)
    {
        if (!File.Exists(file))
        {
            return [];
        }
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var lines = new StreamReader(stream).ReadToEnd().Split('\n');
        return lines[..^1].Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
    }

    /// <summary>Waits for the record of <paramref name="requestId"/> in <paramref name="file"/>.</summary>
    public static async Task<JsonElement> WaitForAsync(string file, string requestId)
    {
        JsonElement? found = null;
        await Poll.UntilAsync(() =>
        {
            found = Read(file).Cast<JsonElement?>().FirstOrDefault(r => r!.Value.GetProperty("requestContext").GetProperty("requestId").GetString() == requestId);
            return found is not null;
        }, $"the destination record of {requestId} in {file}");
        return found!.Value;
    }
}
