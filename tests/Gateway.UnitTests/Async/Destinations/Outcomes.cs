using System.Text;
using Gateway.Async;

namespace Gateway.UnitTests.Async.Destinations;

/// <summary>Outcomes shaped like AWS's documented examples.</summary>
internal static class Outcomes
{
    public const string Arn = "arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST";
    public const string RequestId = "e4b46cbf-b738-xmpl-8880-a18cdf61200e";
    public static readonly DateTimeOffset Timestamp = new(2019, 11, 14, 18, 16, 5, 568, TimeSpan.Zero);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static AsyncOutcome Success(string request = """{"key":"value"}""", string response = """{"ok":true}""") => new(
        RequestId, "my-function", Arn, OutcomeCondition.Success, 1, Timestamp,
        Utf8(request), 200, null, Utf8(response), null, null);

    public static AsyncOutcome RetriesExhausted() => new(
        RequestId, "my-function", Arn, OutcomeCondition.RetriesExhausted, 3, Timestamp,
        Utf8("""{"ORDER_IDS":["9e07af03-ce31-4ff3-xmpl-36dce652cb4f","637de236-e7b2-464e-xmpl-baf57f86bb53"]}"""),
        200, "Unhandled",
        Utf8("""{"errorMessage":"RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Process exited before completing request"}"""),
        "Runtime.ExitError", "RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Process exited before completing request");

    /// <summary>Aged out while throttled: the function never ran.</summary>
    public static AsyncOutcome NeverRan() => new(
        RequestId, "my-function", Arn, OutcomeCondition.EventAgeExceeded, 0, Timestamp,
        Utf8("""{"key":"value"}"""), null, null, ReadOnlyMemory<byte>.Empty, null, null);
}
