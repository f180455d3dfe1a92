using System.Collections.Immutable;
using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Invoke;

namespace Gateway.Management;

/// <summary>What a change answers: the version to show the caller, or AWS's refusal (and no change).</summary>
internal readonly record struct ChangeOutcome(VersionRecord? Version, LambdaError? Error)
{
    public static ChangeOutcome Refused(LambdaError error) => new(null, error);
}

/// <summary>
/// The management API's changes to the registry, as pure functions of a snapshot: each returns the next snapshot (the
/// same instance when it refuses or changes nothing) and its outcome. They run inside
/// <see cref="FunctionRegistry.Change{T}"/>, so each sees the latest state and the checks (exists, update in
/// progress, RevisionId) and the change are one step.
/// </summary>
internal static class FunctionChanges
{
    public const string RevisionMismatch = "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id";

    /// <summary>AWS: "Function not found: {unqualified ARN}" (LS-REC test_ops_on_nonexisting_fn).</summary>
    public static LambdaError FunctionNotFound(string functionArn) => LambdaError.ResourceNotFound("Function not found: " + functionArn);

    /// <summary>AWS sends a ResourceConflictException's message as <c>message</c> with <c>Type: User</c> (LS-REC
    /// update-during-in-progress-update-exc), unlike ResourceNotFound's <c>Message</c>.</summary>
    public static LambdaError Conflict(string message) => new(409, "ResourceConflictException", message, false, "User");

    public static LambdaError UpdateInProgress(string functionArn) =>
        Conflict("The operation cannot be performed at this time. An update is in progress for resource: " + functionArn);

    /// <summary>An operation on a function still being created (AWS's wording as reported by users; not in LS-REC).</summary>
    public static LambdaError StillPending() =>
        Conflict("The operation cannot be performed at this time. The function is currently in the following state: Pending");

    /// <summary>CreateFunction: refuses an existing name (LocalStack's provider, as AWS words it: "Function already
    /// exist: NAME"); with <paramref name="publish"/>, version 1 is published from the new $LATEST too.</summary>
    public static (RegistrySnapshot Next, ChangeOutcome Outcome) Create(RegistrySnapshot snapshot, FunctionRecord function, bool publish)
    {
        if (snapshot.TryGet(function.Name, out _))
        {
            return (snapshot, ChangeOutcome.Refused(Conflict("Function already exist: " + function.Name)));
        }
        if (!publish)
        {
            return (snapshot.With(function), new ChangeOutcome(function.Latest, null));
        }
        var (published, version) = PublishFrom(function, description: null, pending: true);
        return (snapshot.With(published), new ChangeOutcome(version, null));
    }

    /// <summary>
    /// UpdateFunctionCode/UpdateFunctionConfiguration: <paramref name="apply"/> to $LATEST, which is then InProgress
    /// with a new RevisionId and LastModified. Refused while an update is in progress (409) or the function is
    /// Pending, and when <paramref name="revisionId"/> is given and is not $LATEST's (412). With
    /// <paramref name="publish"/> (UpdateFunctionCode) a version is published from the new $LATEST and answered.
    /// </summary>
    public static (RegistrySnapshot Next, ChangeOutcome Outcome) UpdateLatest(
        RegistrySnapshot snapshot, string name, string functionArn, string? revisionId, Func<VersionRecord, VersionRecord> apply, bool publish, DateTimeOffset now)
    {
        if (Changeable(snapshot, name, functionArn, revisionId, out var function) is { } refusal)
        {
            return (snapshot, ChangeOutcome.Refused(refusal));
        }
        var latest = FunctionStates.AsUpdating(apply(function.Latest) with { RevisionId = NewRevision(), LastModified = now });
        var updated = function with { Latest = latest, Origin = FunctionOrigin.Api };
        if (!publish)
        {
            return (snapshot.With(updated), new ChangeOutcome(latest, null));
        }
        var (published, version) = PublishFrom(updated, description: null, pending: true);
        return (snapshot.With(published), new ChangeOutcome(version, null));
    }

    /// <summary>
    /// PublishVersion: a new version from $LATEST, numbered after every number ever used. Preconditions: RevisionId
    /// (412, AWS's message) and CodeSha256 (400, AWS's message, LS-REC test_publish_with_wrong_sha256). When nothing
    /// changed since the newest version, that version is answered and nothing is published (API reference:
    /// "Lambda doesn't publish a version if the function's configuration and code haven't changed since the last
    /// version"; LS-REC repeated_publish_response).
    /// </summary>
    public static (RegistrySnapshot Next, ChangeOutcome Outcome) Publish(
        RegistrySnapshot snapshot, string name, string functionArn, string? codeSha256, string? revisionId, string? description)
    {
        if (Changeable(snapshot, name, functionArn, revisionId, out var function) is { } refusal)
        {
            return (snapshot, ChangeOutcome.Refused(refusal));
        }
        if (codeSha256 is not null && codeSha256 != function.Latest.CodeSha256)
        {
            return (snapshot, ChangeOutcome.Refused(LambdaError.InvalidParameterValue(
                $"CodeSHA256 ({codeSha256}) is different from current CodeSHA256 in $LATEST ({function.Latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.")));
        }
        if (function.PublishedInOrder().LastOrDefault() is { } newest && Unchanged(newest, function.Latest))
        {
            return (snapshot, new ChangeOutcome(newest, null));
        }
        var (published, version) = PublishFrom(function, description, pending: false);
        // "publish_version changes the revision id of $LATEST" (LS-REC test_function_revisions_version_and_alias).
        return (snapshot.With(WithNewLatestRevision(published)), new ChangeOutcome(version, null));
    }

    /// <summary>
    /// Settles what the last change left Pending or InProgress: $LATEST (if its RevisionId is still
    /// <paramref name="latestRevisionId"/>) and any Pending published version become Active/Successful. The same
    /// snapshot when there is nothing to settle (the function was deleted or changed meanwhile).
    /// </summary>
    public static (RegistrySnapshot Next, bool Settled) Settle(RegistrySnapshot snapshot, string name, string latestRevisionId)
    {
        if (!snapshot.TryGet(name, out var function))
        {
            return (snapshot, false);
        }
        var settled = function;
        if (function.Latest.RevisionId == latestRevisionId && !FunctionStates.IsSettled(function.Latest))
        {
            settled = settled with { Latest = FunctionStates.AsSettled(function.Latest) };
        }
        foreach (var (number, version) in function.Versions)
        {
            if (!FunctionStates.IsSettled(version))
            {
                settled = settled with { Versions = settled.Versions.SetItem(number, FunctionStates.AsSettled(version)) };
            }
        }
        return ReferenceEquals(settled, function) ? (snapshot, false) : (snapshot.With(settled), true);
    }

    /// <summary>
    /// DeleteFunction: the whole function (no qualifier) or one published version. A version that does not exist is
    /// not an error (AWS is idempotent there, LS-REC test_delete_on_nonexisting_version); one an alias points to is a
    /// 409 with AWS's message (as AWS answers it in user reports, e.g. cloud-custodian#6739, zappa#960). The
    /// qualifier was checked before (not $LATEST, not an alias).
    /// </summary>
    public static (RegistrySnapshot Next, ChangeOutcome Outcome) Delete(RegistrySnapshot snapshot, string name, string functionArn, string? version)
    {
        if (!snapshot.TryGet(name, out var function))
        {
            return (snapshot, ChangeOutcome.Refused(FunctionNotFound(functionArn)));
        }
        if (version is null)
        {
            return (snapshot.Without(name), default);
        }
        if (!function.Versions.ContainsKey(version))
        {
            return (snapshot, default);
        }
        var referencing = function.Aliases.Values
            .Where(a => a.FunctionVersion == version || a.AdditionalVersionWeights.ContainsKey(version))
            .Select(a => a.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (referencing.Count > 0)
        {
            return (snapshot, ChangeOutcome.Refused(Conflict($"Unable to delete version because the following aliases reference it: [{string.Join(", ", referencing)}]")));
        }
        return (snapshot.With(function with { Versions = function.Versions.Remove(version), Origin = FunctionOrigin.Api }), default);
    }

    /// <summary>TagResource: adds or replaces tags; at most 50 in all (AWS's message, LS-REC test_tag_limits).</summary>
    public static (RegistrySnapshot Next, ChangeOutcome Outcome) Tag(RegistrySnapshot snapshot, string name, string functionArn, IReadOnlyDictionary<string, string> tags)
    {
        if (!snapshot.TryGet(name, out var function))
        {
            return (snapshot, ChangeOutcome.Refused(FunctionNotFound(functionArn)));
        }
        if (function.Latest.LastUpdateStatus == FunctionStates.InProgress)
        {
            // "While an update is in progress … the following operations fail: UpdateFunctionCode,
            // UpdateFunctionConfiguration, PublishVersion, TagResource" (Lambda function states); Pending is not listed.
            return (snapshot, ChangeOutcome.Refused(UpdateInProgress(functionArn)));
        }
        var merged = function.Tags.SetItems(tags);
        if (FunctionRules.ValidateTagCount(merged.Count) is { } tooMany)
        {
            return (snapshot, ChangeOutcome.Refused(tooMany));
        }
        // Each tag change is a new revision of $LATEST (LS-REC TestLambdaTags.test_tag_lifecycle).
        return (snapshot.With(WithNewLatestRevision(function with { Tags = merged, Origin = FunctionOrigin.Api })), default);
    }

    /// <summary>UntagResource: removes the keys; keys that are not there are ignored (LS-REC untag_nonexisting_response).</summary>
    public static (RegistrySnapshot Next, ChangeOutcome Outcome) Untag(RegistrySnapshot snapshot, string name, string functionArn, IEnumerable<string> keys)
    {
        if (!snapshot.TryGet(name, out var function))
        {
            return (snapshot, ChangeOutcome.Refused(FunctionNotFound(functionArn)));
        }
        var remaining = function.Tags.RemoveRange(keys);
        return remaining.Count == function.Tags.Count
            ? (snapshot, default)
            : (snapshot.With(WithNewLatestRevision(function with { Tags = remaining, Origin = FunctionOrigin.Api })), default);
    }

    /// <summary>$LATEST under a new RevisionId, so a RevisionId read before the change is refused after it (412). Not
    /// while an update is settling: <see cref="Settle"/> finds that update by the RevisionId it made.</summary>
    private static FunctionRecord WithNewLatestRevision(FunctionRecord function) =>
        FunctionStates.IsSettled(function.Latest) ? function with { Latest = function.Latest with { RevisionId = NewRevision() } } : function;

    /// <summary>
    /// Whether <paramref name="latest"/> is unchanged since <paramref name="published"/> was published from it. A
    /// version keeps the LastModified of the $LATEST it was published from, and every update stamps $LATEST anew, so
    /// an equal LastModified means no update since. The description cannot be compared directly (a version's is
    /// PublishVersion's), yet a description-only update does make a new version on AWS (LS-REC
    /// test_version_lifecycle: second_publish_response); the stamp catches it. Code and configuration are compared
    /// too, for records that did not come through these changes (the functions file).
    /// </summary>
    public static bool Unchanged(VersionRecord published, VersionRecord latest) =>
        published.LastModified == latest.LastModified && SameConfiguration(published, latest);

    /// <summary>The same code and configuration (all but the description).</summary>
    public static bool SameConfiguration(VersionRecord published, VersionRecord latest)
    {
        var a = published.Definition;
        var b = latest.Definition;
        return published.CodeSha256 == latest.CodeSha256
            && published.Runtime == latest.Runtime
            && published.Role == latest.Role
            && published.PackageType == latest.PackageType
            && published.EphemeralStorageMb == latest.EphemeralStorageMb
            && published.TracingMode == latest.TracingMode
            && published.SnapStartApplyOn == latest.SnapStartApplyOn
            && published.KmsKeyArn == latest.KmsKeyArn
            && published.Architectures.SequenceEqual(latest.Architectures)
            && published.Layers.SequenceEqual(latest.Layers)
            && a.Handler == b.Handler
            && a.MemorySizeMb == b.MemorySizeMb
            && a.TimeoutSeconds == b.TimeoutSeconds
            && a.DeadLetterTargetArn == b.DeadLetterTargetArn
            && a.Logging == b.Logging
            && SameVariables(a.Environment, b.Environment);
    }

    public static string NewRevision() => Guid.NewGuid().ToString();

    /// <summary>Publishes $LATEST as the next number: its definition with that Version (and the given or $LATEST's
    /// description), its own RevisionId; Pending when its code is new (create/update code), else Active.</summary>
    private static (FunctionRecord Function, VersionRecord Version) PublishFrom(FunctionRecord function, string? description, bool pending)
    {
        int number = function.LastPublishedVersion + 1;
        var name = Pagination.FormatVersion(number);
        var definition = DefinitionDraft.Change(function.Latest.Definition, d =>
        {
            d.Version = name;
            d.Description = description ?? d.Description;
        });
        // LastModified stays $LATEST's: the version is $LATEST as last modified (and Unchanged relies on it).
        var version = function.Latest with { Definition = definition, RevisionId = NewRevision() };
        version = pending
            ? FunctionStates.AsPending(version)
            : version with { State = FunctionStates.Active, StateReason = null, StateReasonCode = null, LastUpdateStatus = FunctionStates.Successful, LastUpdateStatusReason = null, LastUpdateStatusReasonCode = null };
        var published = function with
        {
            Versions = function.Versions.SetItem(name, version),
            LastPublishedVersion = number,
            Origin = FunctionOrigin.Api,
        };
        return (published, version);
    }

    /// <summary>The preconditions UpdateFunctionCode/Configuration and PublishVersion share, in AWS's order: the
    /// function exists (404), no update is in progress and it is not Pending (409), and <paramref name="revisionId"/>,
    /// when given, is $LATEST's (412). Null: <paramref name="function"/> may be changed.</summary>
    private static LambdaError? Changeable(RegistrySnapshot snapshot, string name, string functionArn, string? revisionId, out FunctionRecord function)
    {
        if (!snapshot.TryGet(name, out function))
        {
            return FunctionNotFound(functionArn);
        }
        if (Busy(function, functionArn) is { } busy)
        {
            return busy;
        }
        return revisionId is not null && revisionId != function.Latest.RevisionId
            ? LambdaError.PreconditionFailed(RevisionMismatch)
            : null;
    }

    private static LambdaError? Busy(FunctionRecord function, string functionArn) =>
        function.Latest.LastUpdateStatus == FunctionStates.InProgress ? UpdateInProgress(functionArn)
        : function.Latest.State == FunctionStates.Pending ? StillPending()
        : null;

    private static bool SameVariables(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }
        return true;
    }

    internal static ImmutableDictionary<string, string> ToTags(IReadOnlyDictionary<string, string>? tags) =>
        tags is null ? ImmutableDictionary.Create<string, string>(StringComparer.Ordinal) : ImmutableDictionary.CreateRange(StringComparer.Ordinal, tags);
}
