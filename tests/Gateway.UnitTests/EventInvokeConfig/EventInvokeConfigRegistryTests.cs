using System.Text.Json.Nodes;
using Gateway.Async;
using Gateway.Async.EventInvokeConfig;
using Gateway.Functions;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests.EventInvokeConfig;

public sealed class EventInvokeConfigRegistryTests : IDisposable
{
    private const string Region = "us-east-1";
    private const string Account = "000000000000";

    private readonly string _dir = Directory.CreateTempSubdirectory("event-invoke-config-").FullName;
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StorePath => Path.Combine(_dir, EventInvokeConfigStore.FileName);

    private static FunctionDefinition Function(string name, FunctionEventInvokeConfig? config = null, string? deadLetter = null) => new()
    {
        Name = name,
        Arn = $"arn:aws:lambda:{Region}:{Account}:function:{name}",
        CodeDirectory = "/nonexistent",
        Bootstrap = "/nonexistent/bootstrap",
        Handler = "",
        EventInvokeConfig = config,
        DeadLetterTargetArn = deadLetter,
    };

    /// <summary>A registry as the gateway builds one at start (a "restart" is another call on the same folder).</summary>
    private EventInvokeConfigRegistry Start(params FunctionDefinition[] functions)
        => new(functions, Region, Account, new EventInvokeConfigStore(StorePath), _time);

    private static EventInvokeConfigDocument Doc(int? retries = null, int? age = null, string? onSuccess = null, string? onFailure = null, bool destinations = false) => new()
    {
        MaximumRetryAttempts = retries,
        MaximumEventAgeInSeconds = age,
        DestinationConfig = destinations || onSuccess is not null || onFailure is not null
            ? new DestinationConfigDocument
            {
                OnSuccess = onSuccess is null ? null : new DestinationDocument { Destination = onSuccess },
                OnFailure = onFailure is null ? null : new DestinationDocument { Destination = onFailure },
            }
            : null,
    };

    private const string Queue = "arn:aws:sqs:us-east-1:000000000000:records";
    private const string Audit = "arn:aws:lambda:us-east-1:000000000000:function:audit";

    [Fact]
    public void Defaults_when_nothing_is_configured()
    {
        var registry = Start(Function("echo"));

        Assert.Same(AsyncInvokeSettings.Default, registry.Effective("unknown"));
        Assert.Equal(AsyncInvokeSettings.Default, registry.Effective("echo"));
        Assert.Null(registry.Get("echo"));
        Assert.Equal("The function arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST doesn't have an EventInvokeConfig", registry.NoConfig("echo").Message);
    }

    [Fact]
    public void Put_replaces_the_whole_config()
    {
        var registry = Start(Function("echo"), Function("audit"));

        Assert.Null(registry.Put("echo", Doc(retries: 1, age: 600, onSuccess: Audit, onFailure: Queue), out var first));
        Assert.Equal(new AsyncInvokeSettings(1, 600, Audit, Queue, null), registry.Effective("echo"));

        Assert.Null(registry.Put("echo", Doc(age: 120), out var second));
        Assert.Null(second!.MaximumRetryAttempts); // unset, so AWS leaves it out of its answer…
        Assert.Null(second.OnSuccess);
        Assert.Equal(new AsyncInvokeSettings(2, 120, null, null, null), registry.Effective("echo")); // …and applies its default
        Assert.Equal(second, registry.Get("echo"));
        Assert.NotNull(first);
    }

    [Fact]
    public void Update_merges_and_needs_an_existing_config()
    {
        var registry = Start(Function("echo"), Function("audit"));

        var missing = registry.Update("echo", Doc(retries: 0), out _);
        Assert.Equal(ConfigErrorKind.ResourceNotFound, missing!.Value.Kind);
        Assert.Equal("The function arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST doesn't have an EventInvokeConfig", missing.Value.Message);

        Assert.Null(registry.Put("echo", Doc(age: 60, onSuccess: Audit, onFailure: Queue), out _));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(registry.Update("echo", Doc(retries: 1), out var updated));
        Assert.Equal(new FunctionEventInvokeConfig(1, 60, Audit, Queue, _time.GetUtcNow()), updated);

        // A destination named in the update replaces that one only; {} clears it.
        Assert.Null(registry.Update("echo", new EventInvokeConfigDocument { DestinationConfig = new() { OnSuccess = new DestinationDocument() } }, out updated));
        Assert.Equal((null, Queue), (updated!.OnSuccess, updated.OnFailure));
        Assert.Equal(new AsyncInvokeSettings(1, 60, null, Queue, null), registry.Effective("echo"));
    }

    [Fact]
    public void Delete_goes_back_to_defaults_and_keeps_the_dead_letter_queue()
    {
        var dlq = "arn:aws:sqs:us-east-1:000000000000:dlq";
        var registry = Start(Function("echo", deadLetter: dlq));
        Assert.Equal(AsyncInvokeSettings.Default with { DeadLetterTargetArn = dlq }, registry.Effective("echo"));
        Assert.Equal(ConfigErrorKind.ResourceNotFound, registry.Delete("echo")!.Value.Kind);

        Assert.Null(registry.Put("echo", Doc(retries: 0), out _));
        Assert.Equal(new AsyncInvokeSettings(0, 21600, null, null, dlq), registry.Effective("echo"));
        Assert.Null(registry.Delete("echo"));
        Assert.Null(registry.Get("echo"));
        Assert.Equal(AsyncInvokeSettings.Default with { DeadLetterTargetArn = dlq }, registry.Effective("echo"));
    }

    [Fact]
    public void Refusals_in_AWSs_order()
    {
        var registry = Start(Function("echo"));

        Assert.Equal(ConfigErrorKind.Validation, registry.Put("echo", Doc(retries: 3), out _)!.Value.Kind);
        Assert.Equal(EventInvokeConfigRules.NothingSpecified, registry.Put("echo", Doc(), out _)!.Value.Message);
        Assert.Equal("The function doesn't exist.", registry.Put("nope", Doc(retries: 1), out _)!.Value.Message);
        Assert.Equal("The function doesn't exist.", registry.Update("nope", Doc(retries: 1), out _)!.Value.Message);
        Assert.Equal("The destination ARN arn:aws:lambda:us-east-1:000000000000:function:audit is invalid.", registry.Put("echo", Doc(onFailure: Audit), out _)!.Value.Message);
        Assert.Null(registry.Get("echo")); // nothing refused was applied
        Assert.False(File.Exists(StorePath));
    }

    [Fact]
    public void API_changes_survive_a_restart()
    {
        var registry = Start(Function("echo"), Function("audit"));
        Assert.Null(registry.Put("echo", Doc(retries: 0, onSuccess: Audit), out var put));
        Assert.Null(registry.Put("audit", Doc(age: 300, onFailure: "file:///tmp/failed"), out _));

        var restarted = Start(Function("echo"), Function("audit"));

        Assert.Equal(put, restarted.Get("echo"));
        Assert.Equal(new AsyncInvokeSettings(2, 300, null, "file:///tmp/failed", null), restarted.Effective("audit"));
        Assert.False(File.Exists(StorePath + ".tmp"));
    }

    [Fact]
    public void The_file_seeds_and_the_API_wins_across_restarts_even_a_delete()
    {
        var fromFile = new FunctionEventInvokeConfig(0, 60, null, Queue, DateTimeOffset.UnixEpoch);
        var notes = new List<string>();
        var registry = Start(Function("echo", fromFile), Function("other", fromFile));
        Assert.Equal(fromFile, registry.Get("echo"));
        Assert.Equal(new AsyncInvokeSettings(0, 60, null, Queue, null), registry.Effective("echo"));

        Assert.Null(registry.Update("echo", Doc(retries: 2), out _));
        Assert.Null(registry.Delete("other"));

        var restarted = new EventInvokeConfigRegistry([Function("echo", fromFile), Function("other", fromFile)], Region, Account, new EventInvokeConfigStore(StorePath), _time, notes.Add);
        Assert.Equal(2, restarted.Get("echo")!.MaximumRetryAttempts);
        Assert.Equal(Queue, restarted.Get("echo")!.OnFailure);
        Assert.Null(restarted.Get("other")); // the delete holds: the file's config does not come back
        Assert.Equal(2, notes.Count);
        Assert.Contains(notes, n => n.StartsWith("other: event-invoke-config deleted through the API", StringComparison.Ordinal));
    }

    [Fact]
    public void Entries_of_functions_not_registered_now_are_kept()
    {
        var registry = Start(Function("echo"), Function("gone"));
        Assert.Null(registry.Put("gone", Doc(retries: 1), out _));

        var without = Start(Function("echo"));
        Assert.Null(without.Put("echo", Doc(retries: 0), out _));

        var back = Start(Function("echo"), Function("gone"));
        Assert.Equal(1, back.Get("gone")!.MaximumRetryAttempts);
        Assert.Equal(0, back.Get("echo")!.MaximumRetryAttempts);
    }

    [Fact]
    public void The_persisted_file_is_plain_JSON()
    {
        var registry = Start(Function("echo"));
        Assert.Null(registry.Put("echo", Doc(retries: 1, onFailure: Queue), out _));

        var json = JsonNode.Parse(File.ReadAllText(StorePath))!;
        var entry = json["Functions"]![0]!;
        Assert.Equal("echo", entry["FunctionName"]!.GetValue<string>());
        Assert.Equal(1, entry["MaximumRetryAttempts"]!.GetValue<int>());
        Assert.Equal(Queue, entry["OnFailure"]!.GetValue<string>());
        Assert.Null(entry["MaximumEventAgeInSeconds"]);
    }

    [Fact]
    public void A_broken_persisted_file_refuses_to_start()
    {
        File.WriteAllText(StorePath, "{ not json");
        Assert.Contains("not valid JSON", Assert.Throws<FunctionConfigurationException>(() => Start(Function("echo"))).Message);

        File.WriteAllText(StorePath, """{"Functions":[{"FunctionName":"echo","MaximumRetryAttempts":7,"LastModified":"2026-01-01T00:00:00Z"}]}""");
        var message = Assert.Throws<FunctionConfigurationException>(() => Start(Function("echo"))).Message;
        Assert.Contains("function 'echo'", message);
        Assert.Contains("Member must have value less than or equal to 2", message);
    }

    [Fact]
    public void A_failed_write_changes_nothing()
    {
        var registry = Start(Function("echo"));
        Directory.CreateDirectory(StorePath); // now the rename over it fails

        Assert.ThrowsAny<IOException>(() => registry.Put("echo", Doc(retries: 0), out _));
        Assert.Null(registry.Get("echo"));
        Assert.Equal(AsyncInvokeSettings.Default, registry.Effective("echo"));
    }

    [Fact]
    public void Effective_allocates_nothing()
    {
        var registry = Start(Function("echo"));
        Assert.Null(registry.Put("echo", Doc(retries: 1), out _));
        registry.Effective("echo"); // warm up (JIT)

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            registry.Effective("echo");
            registry.Effective("unknown");
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Each_qualifier_has_its_own_config_and_unqualified_is_LATEST()
    {
        var registry = Start(Function("echo"));

        Assert.Null(registry.Put("echo", Doc(retries: 0), out _, qualifier: "live"));
        Assert.Null(registry.Put("echo", Doc(retries: 1), out _, qualifier: "$LATEST"));

        Assert.Equal(0, registry.Effective("echo", "live").MaximumRetryAttempts);
        Assert.Equal(1, registry.Effective("echo", null).MaximumRetryAttempts);
        Assert.Equal(1, registry.Effective("echo").MaximumRetryAttempts);
        Assert.Equal(1, registry.Get("echo")!.MaximumRetryAttempts); // "$LATEST" and unqualified are one config
        Assert.Equal(AsyncInvokeSettings.Default, registry.Effective("echo", "2"));
        Assert.Equal("The function arn:aws:lambda:us-east-1:000000000000:function:echo:2 doesn't have an EventInvokeConfig", registry.Update("echo", Doc(retries: 2), out _, "2")!.Value.Message);

        Assert.Equal(["$LATEST", "live"], registry.All("echo").Select(c => c.Qualifier));
        Assert.Null(registry.Delete("echo", "live"));
        Assert.Null(registry.Get("echo", "live"));
        Assert.NotNull(registry.Get("echo"));
    }

    [Fact]
    public void Qualified_configs_survive_a_restart_and_LATEST_is_written_without_a_qualifier()
    {
        var registry = Start(Function("echo"));
        Assert.Null(registry.Put("echo", Doc(retries: 0), out _, qualifier: "1"));
        Assert.Null(registry.Put("echo", Doc(retries: 2), out _));

        var entries = JsonNode.Parse(File.ReadAllText(StorePath))!["Functions"]!.AsArray();
        Assert.Contains(entries, e => e!["Qualifier"]?.GetValue<string>() == "1");
        Assert.Contains(entries, e => e!["Qualifier"] is null && e["MaximumRetryAttempts"]!.GetValue<int>() == 2);

        var restarted = Start(Function("echo"));
        Assert.Equal(0, restarted.Effective("echo", "1").MaximumRetryAttempts);
        Assert.Equal(2, restarted.Effective("echo").MaximumRetryAttempts);
    }

    [Fact]
    public void Functions_created_after_start_exist_through_the_given_check()
    {
        var created = new HashSet<string>(StringComparer.Ordinal) { "echo" };
        var registry = new EventInvokeConfigRegistry([], Region, Account, null, _time, functionExists: created.Contains);
        Assert.Null(registry.Put("echo", Doc(retries: 1), out _));
        Assert.Equal("The function doesn't exist.", registry.Put("later", Doc(retries: 1), out _)!.Value.Message);
        created.Add("later");
        Assert.Null(registry.Put("later", Doc(retries: 1), out _));
    }

    [Fact]
    public void Qualified_Effective_allocates_nothing()
    {
        var registry = Start(Function("echo", deadLetter: "arn:aws:sqs:us-east-1:000000000000:dlq"));
        Assert.Null(registry.Put("echo", Doc(retries: 1), out _, qualifier: "live"));
        registry.Effective("echo", "live"); // warm up (JIT)
        registry.Effective("echo", "1");

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            registry.Effective("echo", "live");
            registry.Effective("echo", "1");
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Response_shape()
    {
        var config = new FunctionEventInvokeConfig(1, null, null, Queue, DateTimeOffset.FromUnixTimeMilliseconds(1_573_686_021_479));
        var response = config.ToResponse("arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST");
        var json = System.Text.Json.JsonSerializer.Serialize(response, Gateway.Json.AwsJsonContext.Default.FunctionEventInvokeConfigResponse);

        Assert.Equal("""{"LastModified":1573686021.479,"FunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST","MaximumRetryAttempts":1,"DestinationConfig":{"OnSuccess":{},"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:000000000000:records"}}}""", json);
    }
}
