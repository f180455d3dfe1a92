using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A bash + curl custom runtime (provided.al2023) that runs each event as a shell command and answers with what it
/// printed (stdout and stderr): tests look at a function's filesystem by asking it. The event and the answer are JSON
/// strings of base64, so any command and any output travel unescaped. RUNTIME_PID is the runtime's own pid. The command's descriptor 3 is the runtime's
/// stdout (the environment's log), for a command that must tell the test it got somewhere while it still runs.
/// </summary>
public static class ShellFunction
{
    public static byte[] Zip() => FunctionZip.Build(("bootstrap", """
        #!/bin/bash
        set -uo pipefail
        export RUNTIME_PID=$$
        exec 3>&1
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        headers="$(mktemp)"
        while true; do
          curl -sS --fail -D "$headers" -o "$headers.event" "$api/invocation/next" || exit 1
          id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
          command="$(tr -d '"' < "$headers.event" | base64 -d)"
          output="$(bash -c "$command" 2>&1 | base64 -w0)"
          curl -sS -o /dev/null -X POST --data-binary "\"$output\"" "$api/invocation/$id/response"
        done
        """.Replace("\r", ""), 0b111_101_101));

    /// <summary>CreateFunction of <see cref="Zip"/>, with EphemeralStorage when given.</summary>
    public static async Task CreateAsync(GatewayProcess gateway, string name, int? ephemeralStorageMb = null)
    {
        var body = new JsonObject
        {
            ["FunctionName"] = name,
            ["Runtime"] = "provided.al2023",
            ["Role"] = ManagementApi.Role,
            ["Handler"] = "shell",
            ["Timeout"] = 30,
            ["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(Zip()) },
        };
        if (ephemeralStorageMb is { } size)
        {
            body["EphemeralStorage"] = new JsonObject { ["Size"] = size };
        }
        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", body, HttpStatusCode.Created);
        await gateway.WaitUntilReadyAsync(name);
    }

    /// <summary>Runs <paramref name="command"/> in the function and returns what it printed.</summary>
    public static async Task<string> RunAsync(GatewayProcess gateway, string name, string command)
    {
        using var response = await gateway.InvokeAsync(name, "\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(command)) + "\"");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && !response.Headers.Contains("X-Amz-Function-Error"), $"{name}: {(int)response.StatusCode} {body}");
        return Encoding.UTF8.GetString(Convert.FromBase64String(body.Trim('"')));
    }
}
