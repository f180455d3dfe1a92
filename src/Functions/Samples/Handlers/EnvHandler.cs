using System.Buffers;
using System.Collections;
using System.Text.Json;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>Test helper: every environment variable (sorted by name) plus <c>"cwd"</c>, the working
/// directory, as one JSON object — what the gateway set up for the function process.</summary>
internal static class EnvHandler
{
    public static ValueTask Invoke(InvocationContext context, IBufferWriter<byte> response)
    {
        var variables = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = (string?)entry.Value;
        }

        using var writer = new Utf8JsonWriter(response);
        writer.WriteStartObject();
        foreach ((string name, string? value) in variables)
        {
            if (name != "cwd")
            {
                writer.WriteString(name, value);
            }
        }

        writer.WriteString("cwd", Environment.CurrentDirectory);
        writer.WriteEndObject();
        return ValueTask.CompletedTask;
    }
}
