using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Runs boto3 calls against a gateway with botocore's own parameter checks off (so out-of-range values reach the
/// gateway, as from a client that skips them) and gives each call's outcome by name: the answer without its
/// ResponseMetadata, or <c>[status, code, message, type]</c> for an error.
/// </summary>
public static class BotoCalls
{
    /// <summary><paramref name="calls"/>: Python lines using <c>l</c> (the lambda client) and
    /// <c>call(name, lambda: …)</c>; they may also set <c>out[name]</c> themselves.</summary>
    public static async Task<JsonNode> RunAsync(GatewayProcess gateway, string calls)
    {
        var script = $$"""
            import boto3, json
            from botocore.config import Config
            from botocore.exceptions import ClientError
            l = boto3.client("lambda", endpoint_url="{{gateway.BaseAddress.ToString().TrimEnd('/')}}", region_name="us-east-1",
                             aws_access_key_id="test", aws_secret_access_key="test", config=Config(parameter_validation=False))
            out = {}
            def call(name, f):
                try:
                    r = f()
                    r.pop("ResponseMetadata", None)
                    out[name] = r
                except ClientError as e:
                    out[name] = [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"]["Message"], e.response.get("Type")]

            """ + calls.Replace("\r", "") + "\nprint(json.dumps(out))\n";
        var (exit, stdout, stderr) = await Processes.RunAsync("python3", ["-c", script], timeoutMs: 120_000);
        Assert.True(exit == 0, stderr);
        return JsonNode.Parse(stdout)!;
    }
}
