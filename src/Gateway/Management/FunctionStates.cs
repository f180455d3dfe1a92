using Gateway.Functions.Registry;

namespace Gateway.Management;

/// <summary>
/// The state machine <c>aws lambda wait function-active-v2</c> and <c>function-updated-v2</c> poll: a new function
/// (or a version published with new code) is Pending until its code is in place, then Active; an update is
/// InProgress, then Successful. The values and reason texts are AWS's, as recorded in LocalStack's snapshots of real
/// AWS (test_function_lifecycle: an update's reason is, oddly, also "The function is being created.").
/// </summary>
internal static class FunctionStates
{
    public const string Pending = "Pending";
    public const string Active = "Active";
    public const string InProgress = "InProgress";
    public const string Successful = "Successful";

    public const string CreatingReason = "The function is being created.";
    public const string CreatingReasonCode = "Creating";

    /// <summary>A version whose code is being put in place (CreateFunction; UpdateFunctionCode with Publish).</summary>
    public static VersionRecord AsPending(VersionRecord version) => version with
    {
        State = Pending,
        StateReason = CreatingReason,
        StateReasonCode = CreatingReasonCode,
        LastUpdateStatus = Successful,
        LastUpdateStatusReason = null,
        LastUpdateStatusReasonCode = null,
    };

    /// <summary>$LATEST right after UpdateFunctionCode/UpdateFunctionConfiguration.</summary>
    public static VersionRecord AsUpdating(VersionRecord version) => version with
    {
        State = Active,
        StateReason = null,
        StateReasonCode = null,
        LastUpdateStatus = InProgress,
        LastUpdateStatusReason = CreatingReason,
        LastUpdateStatusReasonCode = CreatingReasonCode,
    };

    /// <summary>Settled: Active and Successful, with no reasons. A new RevisionId, as AWS gives one on every state
    /// change (LS-REC: the create answer's RevisionId differs from the next GetFunction's); the same
    /// <see cref="VersionRecord.Definition"/> instance, so the host sees no change to run.</summary>
    public static VersionRecord AsSettled(VersionRecord version) => version with
    {
        State = Active,
        StateReason = null,
        StateReasonCode = null,
        LastUpdateStatus = Successful,
        LastUpdateStatusReason = null,
        LastUpdateStatusReasonCode = null,
        RevisionId = Guid.NewGuid().ToString(),
    };

    public static bool IsSettled(VersionRecord version) => version.State == Active && version.LastUpdateStatus == Successful;
}
