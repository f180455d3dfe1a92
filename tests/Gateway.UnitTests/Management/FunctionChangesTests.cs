using System.Collections.Immutable;
using Gateway.Functions.Registry;
using Gateway.Management;
using static Gateway.UnitTests.Management.ManagementFixtures;

namespace Gateway.UnitTests.Management;

/// <summary>The registry changes behind the endpoints: AWS's preconditions, conflicts and version numbering.</summary>
public class FunctionChangesTests
{
    private static int _clock;

    /// <summary>An update a second after the previous one (every update stamps LastModified).</summary>
    private static (RegistrySnapshot Next, ChangeOutcome Outcome) Update(RegistrySnapshot snapshot, string? revisionId = null, string description = "changed") =>
        FunctionChanges.UpdateLatest(snapshot, "fn", ArnOf("fn"), revisionId,
            v => UpdateEndpoints.Apply(v, new UpdateFunctionConfigurationRequest { Description = description }), publish: false,
            Now.AddSeconds(Interlocked.Increment(ref _clock)));

    private static RegistrySnapshot Settled(RegistrySnapshot snapshot) =>
        FunctionChanges.Settle(snapshot, "fn", Get(snapshot).Latest.RevisionId).Next;

    private static FunctionRecord Get(RegistrySnapshot snapshot) => snapshot.TryGet("fn", out var f) ? f : throw new InvalidOperationException("fn is gone");

    [Fact]
    public void Create_refuses_an_existing_name_with_AWS_message_and_changes_nothing()
    {
        var snapshot = Snapshot(Function("fn"));
        var (next, outcome) = FunctionChanges.Create(snapshot, Function("fn"), publish: false);
        Assert.Same(snapshot, next);
        Assert.Equal(409, outcome.Error!.Status);
        Assert.Equal("ResourceConflictException", outcome.Error.ErrorType);
        Assert.Equal("Function already exist: fn", outcome.Error.Message);
        Assert.False(outcome.Error.CapitalMessage); // AWS: {"Type":"User","message":…}
    }

    [Fact]
    public void Create_with_publish_makes_version_1_and_settle_activates_both()
    {
        var created = Function("fn", FunctionStates.AsPending(Latest("fn")));
        var (next, outcome) = FunctionChanges.Create(Snapshot(), created, publish: true);
        Assert.Equal("1", outcome.Version!.Version);
        Assert.Equal("Pending", outcome.Version.State);
        Assert.Equal(1, Get(next).LastPublishedVersion);
        Assert.Equal("1", Get(next).Versions["1"].Definition.Version);

        var (settled, changed) = FunctionChanges.Settle(next, "fn", created.Latest.RevisionId);
        Assert.True(changed);
        var function = Get(settled);
        Assert.Equal("Active", function.Latest.State);
        Assert.Null(function.Latest.StateReason);
        Assert.Equal("Active", function.Versions["1"].State);
        Assert.NotEqual(created.Latest.RevisionId, function.Latest.RevisionId);
        // The host follows Definition: settling must not look like new code.
        Assert.Same(created.Latest.Definition, function.Latest.Definition);
    }

    [Fact]
    public void Settle_after_the_function_was_deleted_changes_nothing()
    {
        var snapshot = Snapshot();
        var (next, changed) = FunctionChanges.Settle(snapshot, "fn", "whatever");
        Assert.False(changed);
        Assert.Same(snapshot, next);
    }

    [Fact]
    public void An_update_is_InProgress_with_a_new_RevisionId_and_a_second_update_meanwhile_is_AWS_conflict()
    {
        var snapshot = Snapshot(Function("fn"));
        var before = Get(snapshot).Latest.RevisionId;
        var (updating, outcome) = Update(snapshot);
        Assert.Equal("InProgress", outcome.Version!.LastUpdateStatus);
        Assert.Equal("changed", outcome.Version.Definition.Description);
        Assert.NotEqual(before, outcome.Version.RevisionId);

        var (again, refused) = Update(updating);
        Assert.Same(updating, again);
        Assert.Equal(409, refused.Error!.Status);
        Assert.Equal("The operation cannot be performed at this time. An update is in progress for resource: " + ArnOf("fn"), refused.Error.Message);

        var (after, accepted) = Update(Settled(updating), description: "again");
        Assert.Null(accepted.Error);
        Assert.Equal("again", Get(after).Latest.Definition.Description);
    }

    [Fact]
    public void TagResource_while_an_update_is_InProgress_is_AWS_conflict_and_is_accepted_once_it_settles()
    {
        var (updating, _) = Update(Snapshot(Function("fn")));
        var tags = new Dictionary<string, string> { ["team"] = "edge" };

        var (same, refused) = FunctionChanges.Tag(updating, "fn", ArnOf("fn"), tags);
        Assert.Same(updating, same);
        Assert.Equal(409, refused.Error!.Status);
        Assert.Equal("The operation cannot be performed at this time. An update is in progress for resource: " + ArnOf("fn"), refused.Error.Message);

        var (tagged, accepted) = FunctionChanges.Tag(Settled(updating), "fn", ArnOf("fn"), tags);
        Assert.Null(accepted.Error);
        Assert.Equal("edge", Get(tagged).Tags["team"]);
    }

    [Fact]
    public void A_stale_RevisionId_is_AWS_precondition_failure()
    {
        var snapshot = Snapshot(Function("fn"));
        var (next, outcome) = Update(snapshot, revisionId: Guid.NewGuid().ToString());
        Assert.Same(snapshot, next);
        Assert.Equal(412, outcome.Error!.Status);
        Assert.Equal("PreconditionFailedException", outcome.Error.ErrorType);
        Assert.Equal("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", outcome.Error.Message);

        var (_, ok) = Update(snapshot, revisionId: Get(snapshot).Latest.RevisionId);
        Assert.Null(ok.Error);
    }

    [Fact]
    public void Update_of_a_missing_function_is_not_found()
    {
        var (_, outcome) = Update(Snapshot());
        Assert.Equal(404, outcome.Error!.Status);
        Assert.Equal("Function not found: " + ArnOf("fn"), outcome.Error.Message);
    }

    [Fact]
    public void Publish_when_nothing_changed_answers_the_newest_version_and_publishes_nothing()
    {
        var once = Published(Snapshot(Function("fn")), "fn");
        var first = Get(once).Versions["1"];

        var (twice, outcome) = FunctionChanges.Publish(once, "fn", ArnOf("fn"), null, null, null);
        Assert.Same(once, twice);
        Assert.Same(first, outcome.Version);

        var changed = Settled(Update(once).Next);
        var (next, second) = FunctionChanges.Publish(changed, "fn", ArnOf("fn"), null, null, "v2");
        Assert.Equal("2", second.Version!.Version);
        Assert.Equal("v2", second.Version.Definition.Description);
        Assert.Equal(ArnOf("fn") + ":2", second.Version.Arn);
        Assert.Equal("Active", second.Version.State);
        Assert.Equal("Successful", second.Version.LastUpdateStatus);
        Assert.NotEqual(Get(next).Latest.RevisionId, second.Version.RevisionId);
    }

    [Fact]
    public void A_description_only_update_makes_a_new_version_as_on_AWS()
    {
        // LS-REC test_version_lifecycle: only $LATEST's Description changed, and PublishVersion made version 2.
        var once = Published(Snapshot(Function("fn")), "fn");
        var (_, outcome) = FunctionChanges.Publish(Settled(Update(once, description: "Second version").Next), "fn", ArnOf("fn"), null, null, null);
        Assert.Equal("2", outcome.Version!.Version);
        Assert.Equal("Second version", outcome.Version.Definition.Description);
    }

    [Fact]
    public void A_description_only_in_the_publish_request_does_not_make_a_new_version()
    {
        var once = Published(Snapshot(Function("fn")), "fn");
        var (_, outcome) = FunctionChanges.Publish(once, "fn", ArnOf("fn"), null, null, "other words");
        Assert.Equal("1", outcome.Version!.Version);
    }

    [Fact]
    public void Version_numbers_are_never_reused_after_a_delete()
    {
        var snapshot = Published(Snapshot(Function("fn")), "fn");
        snapshot = Published(Settled(Update(snapshot, description: "b").Next), "fn");
        Assert.Equal(["1", "2"], Get(snapshot).PublishedInOrder().Select(v => v.Version));

        snapshot = FunctionChanges.Delete(snapshot, "fn", ArnOf("fn"), "2").Next;
        Assert.Equal(["1"], Get(snapshot).PublishedInOrder().Select(v => v.Version));

        snapshot = Settled(Update(snapshot, description: "c").Next);
        var (_, outcome) = FunctionChanges.Publish(snapshot, "fn", ArnOf("fn"), null, null, null);
        Assert.Equal("3", outcome.Version!.Version);
    }

    [Fact]
    public void A_CodeSha256_that_is_not_LATEST_is_AWS_message()
    {
        var snapshot = Snapshot(Function("fn", Latest("fn", sha: "abc=")));
        var (next, outcome) = FunctionChanges.Publish(snapshot, "fn", ArnOf("fn"), "somenonexistentsha256", null, null);
        Assert.Same(snapshot, next);
        Assert.Equal("InvalidParameterValueException", outcome.Error!.ErrorType);
        Assert.Equal("CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST (abc=). Please try again with the CodeSHA256 in $LATEST.", outcome.Error.Message);

        Assert.Null(FunctionChanges.Publish(snapshot, "fn", ArnOf("fn"), "abc=", null, null).Outcome.Error);
    }

    [Fact]
    public void Publish_checks_the_RevisionId_of_LATEST()
    {
        var snapshot = Snapshot(Function("fn"));
        Assert.Equal(412, FunctionChanges.Publish(snapshot, "fn", ArnOf("fn"), null, "stale", null).Outcome.Error!.Status);
        Assert.Null(FunctionChanges.Publish(snapshot, "fn", ArnOf("fn"), null, Get(snapshot).Latest.RevisionId, null).Outcome.Error);
    }

    [Fact]
    public void A_published_version_runs_LATEST_definition_under_its_number()
    {
        var snapshot = Published(Snapshot(Function("fn")), "fn");
        var latest = Get(snapshot).Latest.Definition;
        var version = Get(snapshot).Versions["1"].Definition;
        Assert.Equal("1", version.Version);
        Assert.Equal(latest.CodeDirectory, version.CodeDirectory);
        Assert.Equal(latest.Bootstrap, version.Bootstrap);
        Assert.Equal(latest.Handler, version.Handler);
        Assert.Equal("$LATEST", latest.Version);
    }

    [Fact]
    public void Deleting_a_version_an_alias_uses_is_AWS_conflict()
    {
        var snapshot = Published(Snapshot(Function("fn")), "fn");
        var function = Get(snapshot);
        snapshot = snapshot.With(function with
        {
            Aliases = ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, AliasRecord>
            {
                ["live"] = new AliasRecord { Name = "live", Arn = ArnOf("fn") + ":live", FunctionVersion = "1", RevisionId = "r" },
            }),
        });
        var (next, outcome) = FunctionChanges.Delete(snapshot, "fn", ArnOf("fn"), "1");
        Assert.Same(snapshot, next);
        Assert.Equal(409, outcome.Error!.Status);
        Assert.Equal("Unable to delete version because the following aliases reference it: [live]", outcome.Error.Message);
    }

    [Fact]
    public void Deleting_a_missing_version_is_not_an_error_and_deleting_the_function_removes_it()
    {
        var snapshot = Snapshot(Function("fn"));
        var (same, outcome) = FunctionChanges.Delete(snapshot, "fn", ArnOf("fn"), "1233");
        Assert.Null(outcome.Error);
        Assert.Same(snapshot, same);

        var (gone, deleted) = FunctionChanges.Delete(snapshot, "fn", ArnOf("fn"), null);
        Assert.Null(deleted.Error);
        Assert.False(gone.TryGet("fn", out _));

        var (_, missing) = FunctionChanges.Delete(gone, "fn", ArnOf("fn"), null);
        Assert.Equal("Function not found: " + ArnOf("fn"), missing.Error!.Message);
    }

    [Fact]
    public void Tags_merge_and_are_limited_to_50()
    {
        var snapshot = Snapshot(Function("fn"));
        snapshot = FunctionChanges.Tag(snapshot, "fn", ArnOf("fn"), new Dictionary<string, string> { ["A"] = "a", ["B"] = "b" }).Next;
        snapshot = FunctionChanges.Tag(snapshot, "fn", ArnOf("fn"), new Dictionary<string, string> { ["B"] = "b2" }).Next;
        Assert.Equal("b2", Get(snapshot).Tags["B"]);
        Assert.Equal(2, Get(snapshot).Tags.Count);

        var many = Enumerable.Range(0, 49).ToDictionary(i => "k" + i, i => "v");
        var (next, outcome) = FunctionChanges.Tag(snapshot, "fn", ArnOf("fn"), many);
        Assert.Same(snapshot, next);
        Assert.Equal("Number of tags exceeds resource tag limit.", outcome.Error!.Message);

        snapshot = FunctionChanges.Untag(snapshot, "fn", ArnOf("fn"), ["A", "nope"]).Next;
        Assert.Equal(["B"], Get(snapshot).Tags.Keys);
    }

    [Fact]
    public void Publishing_and_tagging_give_LATEST_a_new_RevisionId()
    {
        // LS-REC test_function_revisions_version_and_alias ("publish_version changes the revision id of $LATEST") and
        // TestLambdaTags.test_tag_lifecycle (a new revision per tag and untag): a RevisionId read before is stale after.
        var snapshot = Settled(Update(Snapshot(Function("fn"))).Next);
        var before = Get(snapshot).Latest.RevisionId;
        var (published, outcome) = FunctionChanges.Publish(snapshot, "fn", ArnOf("fn"), null, null, null);
        Assert.Equal("1", outcome.Version!.Version);
        var afterPublish = Get(published).Latest.RevisionId;
        Assert.NotEqual(before, afterPublish);
        Assert.Equal(412, FunctionChanges.Publish(published, "fn", ArnOf("fn"), null, before, null).Outcome.Error!.Status);

        var tagged = FunctionChanges.Tag(published, "fn", ArnOf("fn"), new Dictionary<string, string> { ["A"] = "a" }).Next;
        var afterTag = Get(tagged).Latest.RevisionId;
        Assert.NotEqual(afterPublish, afterTag);
        var untagged = FunctionChanges.Untag(tagged, "fn", ArnOf("fn"), ["A"]).Next;
        Assert.NotEqual(afterTag, Get(untagged).Latest.RevisionId);
        Assert.Same(untagged, FunctionChanges.Untag(untagged, "fn", ArnOf("fn"), ["nope"]).Next); // nothing removed, nothing changed
    }
}
