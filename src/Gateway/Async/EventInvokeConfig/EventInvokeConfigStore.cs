using System.Text.Json;
using Gateway.Functions;
using Gateway.Json;
using Gateway.Native;

namespace Gateway.Async.EventInvokeConfig;

/// <summary>
/// <c>{DataDirectory}/event-invoke-config.json</c>: the configs set through the API, so they survive a restart.
/// Rewritten whole on every change (temporary file, fsync, rename): it holds one small entry per function.
/// </summary>
internal sealed class EventInvokeConfigStore(string path)
{
    public const string FileName = "event-invoke-config.json";

    public string Path { get; } = path;

    /// <summary>The persisted entries (none when the file does not exist yet). A file that cannot be read is a
    /// configuration the gateway refuses to start with: silently dropping it would lose what the API set.</summary>
    public List<PersistedEventInvokeConfig> Load()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FunctionConfigurationException($"{Path}: cannot be read ({ex.Message}).");
        }
        try
        {
            var document = JsonSerializer.Deserialize(bytes, GatewayJsonContext.Default.PersistedEventInvokeConfigs);
            return document?.Functions ?? [];
        }
        catch (JsonException ex)
        {
            throw new FunctionConfigurationException($"{Path}: not valid JSON ({ex.Message}). Fix it, or delete it to fall back to the functions file's EventInvokeConfig.");
        }
    }

    public void Save(List<PersistedEventInvokeConfig> entries)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new PersistedEventInvokeConfigs { Functions = entries }, GatewayJsonContext.Default.PersistedEventInvokeConfigs);
        DurableFile.WriteAllBytes(Path, bytes);
    }
}
