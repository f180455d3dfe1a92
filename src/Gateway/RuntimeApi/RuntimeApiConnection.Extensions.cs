using Gateway.Extensions;

namespace Gateway.RuntimeApi;

// The Extensions API (/2020-01-01/extension/…), the Telemetry and Logs APIs' subscriptions and the extensions launcher's
// two routes, on the same listener as the Runtime API, as on AWS. Not a hot path: an extension's requests are few, their bodies small, so this reads each
// body into an array and lets the environment's ExtensionSet decide.
internal sealed partial class RuntimeApiConnection
{
    /// <summary>Bodies here are a few bytes (a list of event names, an error document); more is refused.</summary>
    private const int ExtensionBodyLimit = 64 * 1024;

    private async ValueTask<bool> HandleExtensionRequestAsync(RuntimeRequestHead head)
    {
        bool post = head.Method == RuntimeMethod.Post;
        bool allowed = head.Route switch
        {
            RuntimeRoute.ExtensionNext or RuntimeRoute.LauncherLaunched => head.Method == RuntimeMethod.Get,
            RuntimeRoute.TelemetrySubscribe or RuntimeRoute.LogsSubscribe => head.Method == RuntimeMethod.Put,
            _ => post,
        };
        if (!allowed)
        {
            return await DiscardBodyAndReplyAsync(head, RuntimeReplies.MethodNotAllowed).ConfigureAwait(false);
        }
        byte[] body = [];
        if (head.ContentLength > 0 || head.Chunked)
        {
            if (head.ExpectContinue)
            {
                await SendAsync(RuntimeReplies.Continue).ConfigureAwait(false);
            }
            _scratch.Reset();
            var status = await BodyReader.ReadAsync(_reader, head, _scratch, ExtensionBodyLimit, _transport).ConfigureAwait(false);
            if (status != BodyStatus.Complete)
            {
                await SendAsync(status == BodyStatus.TooLarge ? RuntimeReplies.PayloadTooLarge(ExtensionBodyLimit) : RuntimeReplies.TruncatedRequest).ConfigureAwait(false);
                return false;
            }
            body = _scratch.ToArray();
            _scratch.Reset();
        }
        var extensions = _environment.ExtensionSet;
        byte[] reply = head.Route switch
        {
            RuntimeRoute.ExtensionRegister => extensions.Register(head.ExtensionName, head.ExtensionAcceptFeature, body),
            RuntimeRoute.ExtensionNext => await _environment.OnExtensionNextAsync(head.ExtensionId).ConfigureAwait(false),
            RuntimeRoute.ExtensionInitError => extensions.ReportError(head.ExtensionId, head.ExtensionErrorType, exit: false),
            RuntimeRoute.ExtensionExitError => extensions.ReportError(head.ExtensionId, head.ExtensionErrorType, exit: true),
            RuntimeRoute.LauncherLaunched => await WhenLaunchedAsync(extensions).ConfigureAwait(false),
            RuntimeRoute.TelemetrySubscribe => _environment.OnTelemetrySubscribe(head.ExtensionId, Extensions.Telemetry.SubscriptionApi.Telemetry, body),
            RuntimeRoute.LogsSubscribe => _environment.OnTelemetrySubscribe(head.ExtensionId, Extensions.Telemetry.SubscriptionApi.Logs, body),
            _ => _environment.OnExtensionExited(head.ExtensionName, body),
        };
        await SendAsync(reply).ConfigureAwait(false);
        return true;
    }

    private static async Task<byte[]> WhenLaunchedAsync(ExtensionSet extensions)
    {
        await extensions.ExternalsRegistered.ConfigureAwait(false);
        return ExtensionReplies.LauncherOk;
    }
}
