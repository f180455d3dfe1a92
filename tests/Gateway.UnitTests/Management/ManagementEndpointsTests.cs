using System.Net;
using System.Text.Json;
using Gateway.UnitTests.Support;
using static Gateway.UnitTests.Management.FunctionsApiServer;

namespace Gateway.UnitTests.Management;

/// <summary>
/// The management API over HTTP as the aws CLI drives it: paths and status codes from botocore's model, bodies and
/// messages as LocalStack recorded them from AWS.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ManagementEndpointsTests
{
    private const string Arn = "arn:aws:lambda:us-east-1:000000000000:function:";

    private static string Message(JsonElement body) =>
        body.TryGetProperty("message", out var lower) ? lower.GetString()! : body.GetProperty("Message").GetString()!;

    private static string ErrorType(HttpResponseMessage response) => response.Headers.GetValues("x-amzn-ErrorType").Single();

    [Fact]
    public async Task Create_answers_Pending_then_the_function_is_Active_and_runs_the_zip_bootstrap()
    {
        await using var server = await StartAsync();
        var zip = Zip("#!/bin/sh\necho v1\n");
        var (created, config) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", zip, ""","Timeout":7,"MemorySize":256,"Environment":{"Variables":{"KEY_A":"1"}},"Tags":{"team":"t"}"""));

        Assert.True(created.StatusCode == HttpStatusCode.Created, config.ToString());
        Assert.True(Guid.TryParse(created.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        Assert.Equal("Pending", config.GetProperty("State").GetString());
        Assert.Equal("The function is being created.", config.GetProperty("StateReason").GetString());
        Assert.Equal("Creating", config.GetProperty("StateReasonCode").GetString());
        Assert.False(config.TryGetProperty("LastUpdateStatus", out _));
        Assert.Equal(Sha256(zip), config.GetProperty("CodeSha256").GetString());
        Assert.Equal(zip.Length, config.GetProperty("CodeSize").GetInt64());
        Assert.Equal(Arn + "fn", config.GetProperty("FunctionArn").GetString());
        Assert.Equal("$LATEST", config.GetProperty("Version").GetString());
        Assert.Equal(7, config.GetProperty("Timeout").GetInt32());
        Assert.Equal(256, config.GetProperty("MemorySize").GetInt32());

        var (got, function) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/fn");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        var active = function.GetProperty("Configuration");
        Assert.Equal("Active", active.GetProperty("State").GetString());
        Assert.Equal("Successful", active.GetProperty("LastUpdateStatus").GetString());
        Assert.NotEqual(config.GetProperty("RevisionId").GetString(), active.GetProperty("RevisionId").GetString());
        Assert.Equal("t", function.GetProperty("Tags").GetProperty("team").GetString());
        Assert.Equal("S3", function.GetProperty("Code").GetProperty("RepositoryType").GetString());

        // The environment runs the extracted folder's bootstrap, still executable.
        Assert.True(server.Registry.Current.TryGet("fn", out var record));
        var bootstrap = record.Latest.Definition.Bootstrap;
        Assert.Equal("#!/bin/sh\necho v1\n", await File.ReadAllTextAsync(bootstrap).WithTimeout());
        Assert.True(File.GetUnixFileMode(bootstrap).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal("1", record.Latest.Definition.Environment["KEY_A"]);

        // Code.Location serves the zip itself.
        var location = new Uri(function.GetProperty("Code").GetProperty("Location").GetString()!);
        Assert.Equal(zip, await server.Client.GetByteArrayAsync(location.PathAndQuery).WithTimeout());
    }

    [Fact]
    public async Task Create_refusals_are_AWS_answers()
    {
        await using var server = await StartAsync();
        var zip = Zip("#!/bin/sh\n");
        Assert.Equal(HttpStatusCode.Created, (await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", zip))).Response.StatusCode);

        var (again, conflict) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", zip));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("ResourceConflictException", ErrorType(again));
        Assert.Equal("Function already exist: fn", conflict.GetProperty("message").GetString());
        Assert.Equal("User", conflict.GetProperty("Type").GetString());

        var (python, pythonBody) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("py", zip).Replace("provided.al2023", "python3.12", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, python.StatusCode);
        Assert.Equal("InvalidParameterValueException", ErrorType(python));
        Assert.Contains("python3.12", Message(pythonBody));

        var (s3, s3Body) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions",
            """{"FunctionName":"s3","Runtime":"provided.al2023","Role":"arn:aws:iam::000000000000:role/r","Handler":"h","Code":{"S3Bucket":"b","S3Key":"k.zip"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, s3.StatusCode);
        Assert.StartsWith("This gateway accepts Code.ZipFile only", Message(s3Body));

        var (role, roleBody) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("r", zip).Replace("arn:aws:iam::000000000000:role/lambda-role", "r1", StringComparison.Ordinal));
        Assert.Equal("ValidationException", ErrorType(role));
        Assert.StartsWith("1 validation error detected: Value 'r1' at 'role'", Message(roleBody));
        Assert.False(roleBody.TryGetProperty("Type", out _));

        var (corrupt, corruptBody) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("bad", "not a zip"u8.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, corrupt.StatusCode);
        Assert.Equal("Could not unzip uploaded file. Please check your file, then try to upload again.", Message(corruptBody));
        Assert.False(server.Registry.Current.TryGet("bad", out _));
    }

    [Fact]
    public async Task Missing_functions_and_versions_are_AWS_not_found_messages()
    {
        await using var server = await StartAsync();
        var (missing, body) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("ResourceNotFoundException", ErrorType(missing));
        Assert.Equal("Function not found: " + Arn + "nope", body.GetProperty("Message").GetString());
        // Asked for with a qualifier, a missing function is named with it (LS-REC test_ops_with_arn_qualifier_mismatch,
        // lowercase_latest_qualifier-get_function) ...
        var (_, qualifiedBody) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/nope?Qualifier=$LATEST");
        Assert.Equal("Function not found: " + Arn + "nope:$LATEST", qualifiedBody.GetProperty("Message").GetString());
        var (_, lowerBody) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/nope/configuration?Qualifier=$latest");
        Assert.Equal("Function not found: " + Arn + "nope:$latest", lowerBody.GetProperty("Message").GetString());
        // ... and "$latest" is no alias to DeleteFunction: not found (LS-REC lowercase_latest_qualifier-delete_function).
        var (deleted, deletedBody) = await server.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/nope?Qualifier=$latest");
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        Assert.Equal("Function not found: " + Arn + "nope", deletedBody.GetProperty("Message").GetString());

        await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", Zip("#!/bin/sh\n")));
        var (version, versionBody) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/fn/configuration?Qualifier=1221");
        Assert.Equal(HttpStatusCode.NotFound, version.StatusCode);
        Assert.Equal("Function not found: " + Arn + "fn:1221", versionBody.GetProperty("Message").GetString());

        var (latest, latestBody) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/fn/configuration?Qualifier=$LATEST");
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        Assert.Equal(Arn + "fn:$LATEST", latestBody.GetProperty("FunctionArn").GetString());
    }

    [Fact]
    public async Task Update_publish_list_and_delete_follow_AWS()
    {
        await using var server = await StartAsync();
        await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", Zip("#!/bin/sh\necho v1\n"), ""","Environment":{"Variables":{"KEY_A":"1","KEY_B":"2"}}"""));

        var (updated, updating) = await server.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fn/configuration",
            """{"Timeout":30,"Description":"first","Environment":{"Variables":{"KEY_C":"3"}}}""");
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("InProgress", updating.GetProperty("LastUpdateStatus").GetString());
        Assert.Equal("The function is being created.", updating.GetProperty("LastUpdateStatusReason").GetString());
        Assert.Equal("Creating", updating.GetProperty("LastUpdateStatusReasonCode").GetString());

        var (_, settled) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/fn/configuration");
        Assert.Equal("Successful", settled.GetProperty("LastUpdateStatus").GetString());
        Assert.Equal(30, settled.GetProperty("Timeout").GetInt32());
        Assert.Equal(["KEY_C"], settled.GetProperty("Environment").GetProperty("Variables").EnumerateObject().Select(p => p.Name));

        var (stale, staleBody) = await server.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fn/configuration", """{"Timeout":31,"RevisionId":"stale"}""");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", Message(staleBody));

        var (published, v1) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions/fn/versions", "{}");
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal("1", v1.GetProperty("Version").GetString());
        Assert.Equal(Arn + "fn:1", v1.GetProperty("FunctionArn").GetString());

        var (again, same) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions/fn/versions", "");
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("1", same.GetProperty("Version").GetString());
        Assert.Equal(v1.GetProperty("RevisionId").GetString(), same.GetProperty("RevisionId").GetString());

        var zip2 = Zip("#!/bin/sh\necho v2\n");
        var (code, v2) = await server.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fn/code", $$"""{"ZipFile":"{{Convert.ToBase64String(zip2)}}","Publish":true}""");
        Assert.Equal(HttpStatusCode.OK, code.StatusCode);
        Assert.Equal("2", v2.GetProperty("Version").GetString());
        Assert.Equal(Arn + "fn:2", v2.GetProperty("FunctionArn").GetString());
        Assert.Equal("Pending", v2.GetProperty("State").GetString());
        Assert.Equal(Sha256(zip2), v2.GetProperty("CodeSha256").GetString());
        Assert.True(server.Registry.Current.TryGet("fn", out var record));
        Assert.Equal("#!/bin/sh\necho v2\n", await File.ReadAllTextAsync(record.Latest.Definition.Bootstrap).WithTimeout());
        Assert.Equal("#!/bin/sh\necho v1\n", await File.ReadAllTextAsync(record.Versions["1"].Definition.Bootstrap).WithTimeout());

        var (_, list) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/fn/versions");
        var versions = list.GetProperty("Versions").EnumerateArray().ToList();
        Assert.Equal(["$LATEST", "1", "2"], versions.Select(v => v.GetProperty("Version").GetString()));
        Assert.Equal(Arn + "fn:$LATEST", versions[0].GetProperty("FunctionArn").GetString());
        Assert.False(versions[0].TryGetProperty("State", out _));

        var (latest, latestBody) = await server.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/fn?Qualifier=$LATEST");
        Assert.Equal(HttpStatusCode.BadRequest, latest.StatusCode);
        Assert.Equal("$LATEST version cannot be deleted without deleting the function.", Message(latestBody));

        var (alias, aliasBody) = await server.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/fn?Qualifier=live");
        Assert.Equal(HttpStatusCode.BadRequest, alias.StatusCode);
        Assert.Equal("Deletion of aliases is not currently supported.", Message(aliasBody));

        Assert.Equal(HttpStatusCode.NoContent, (await server.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/fn?Qualifier=1")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await server.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/fn?Qualifier=1")).Response.StatusCode);
        var (_, after) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/fn/versions");
        Assert.Equal(["$LATEST", "2"], after.GetProperty("Versions").EnumerateArray().Select(v => v.GetProperty("Version").GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await server.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/fn")).Response.StatusCode);
        var (gone, goneBody) = await server.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/fn");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("Function not found: " + Arn + "fn", goneBody.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task ListFunctions_pages_and_lists_all_versions_on_request()
    {
        await using var server = await StartAsync();
        var zip = Zip("#!/bin/sh\n");
        foreach (var name in new[] { "c", "a", "b" })
        {
            await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody(name, zip, name == "a" ? ""","Publish":true""" : ""));
        }

        var names = new List<string>();
        string? marker = null;
        do
        {
            var (_, page) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/?MaxItems=2" + (marker is null ? "" : "&Marker=" + Uri.EscapeDataString(marker)));
            var functions = page.GetProperty("Functions").EnumerateArray().ToList();
            Assert.True(functions.Count <= 2);
            names.AddRange(functions.Select(f => f.GetProperty("FunctionName").GetString()!));
            Assert.All(functions, f => Assert.False(f.TryGetProperty("State", out _)));
            marker = page.TryGetProperty("NextMarker", out var next) ? next.GetString() : null;
        }
        while (marker is not null);
        Assert.Equal(["a", "b", "c"], names);

        var (_, all) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions?FunctionVersion=ALL");
        Assert.Equal([Arn + "a:$LATEST", Arn + "a:1", Arn + "b:$LATEST", Arn + "c:$LATEST"],
            all.GetProperty("Functions").EnumerateArray().Select(f => f.GetProperty("FunctionArn").GetString()));

        var (invalid, invalidBody) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions?FunctionVersion=invalid");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]", Message(invalidBody));
    }

    [Fact]
    public async Task Tags_follow_AWS()
    {
        await using var server = await StartAsync();
        await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", Zip("#!/bin/sh\n")));
        var resource = "/2017-03-31/tags/" + Uri.EscapeDataString(Arn + "fn");

        Assert.Equal(HttpStatusCode.NoContent, (await server.SendAsync(HttpMethod.Post, resource, """{"Tags":{"A":"a","B":"b"}}""")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await server.SendAsync(HttpMethod.Delete, resource + "?tagKeys=A&tagKeys=Z")).Response.StatusCode);
        var (_, listed) = await server.SendAsync(HttpMethod.Get, resource);
        Assert.Equal(["B"], listed.GetProperty("Tags").EnumerateObject().Select(p => p.Name));

        var (qualified, qualifiedBody) = await server.SendAsync(HttpMethod.Post, "/2017-03-31/tags/" + Uri.EscapeDataString(Arn + "fn:1"), """{"Tags":{"A":"a"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, qualified.StatusCode);
        Assert.Equal("Tags on function aliases and versions are not supported. Please specify a function ARN.", Message(qualifiedBody));

        var (missing, missingBody) = await server.SendAsync(HttpMethod.Get, "/2017-03-31/tags/" + Uri.EscapeDataString(Arn + "doesnotexist"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("Function not found: " + Arn + "doesnotexist", Message(missingBody));

        var (noKeys, noKeysBody) = await server.SendAsync(HttpMethod.Delete, resource);
        Assert.Equal("ValidationException", ErrorType(noKeys));
        Assert.Equal("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null", Message(noKeysBody));
    }
    [Fact]
    public async Task DryRun_checks_the_zip_and_changes_nothing()
    {
        await using var server = await StartAsync();
        await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", Zip("#!/bin/sh\necho v1\n")));
        Assert.True(server.Registry.Current.TryGet("fn", out var before));

        var zip2 = Zip("#!/bin/sh\necho v2\n");
        var (dry, config) = await server.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fn/code", $$"""{"ZipFile":"{{Convert.ToBase64String(zip2)}}","DryRun":true}""");
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        Assert.Equal(Sha256(zip2), config.GetProperty("CodeSha256").GetString());
        Assert.True(server.Registry.Current.TryGet("fn", out var after));
        Assert.Same(before, after);

        var (corrupt, corruptBody) = await server.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fn/code", """{"ZipFile":"bm90IGEgemlw","DryRun":true}""");
        Assert.Equal(HttpStatusCode.BadRequest, corrupt.StatusCode);
        Assert.Equal("Could not unzip uploaded file. Please check your file, then try to upload again.", Message(corruptBody));
    }

    [Fact]
    public async Task An_image_for_a_zip_function_is_AWS_refusal()
    {
        await using var server = await StartAsync();
        await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", Zip("#!/bin/sh\n")));

        var (image, body) = await server.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fn/code", """{"ImageUri":"123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:latest"}""");

        Assert.Equal(HttpStatusCode.BadRequest, image.StatusCode);
        Assert.Equal("InvalidParameterValueException", ErrorType(image));
        Assert.Equal("Please don't provide ImageUri when updating a function with packageType Zip.", Message(body)); // LS-REC zipfile-to-image-error
    }

    [Fact]
    public async Task Only_LATEST_can_be_updated_or_published()
    {
        await using var server = await StartAsync();
        await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", Zip("#!/bin/sh\n"), ""","Publish":true"""));
        var (update, updateBody) = await server.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fn:1/configuration", """{"Timeout":9}""");
        Assert.Equal(HttpStatusCode.BadRequest, update.StatusCode);
        Assert.Equal("InvalidParameterValueException", ErrorType(update));
        Assert.Contains("Aliases and versions do not support this operation", Message(updateBody));

        var (latest, _) = await server.SendAsync(HttpMethod.Put, "/2015-03-31/functions/fn:$LATEST/configuration", """{"Timeout":9}""");
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
    }

    [Fact]
    public async Task A_string_too_long_for_any_member_is_refused_without_being_held()
    {
        await using var server = await StartAsync();
        var (response, body) = await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions",
            CreateBody("fn", Zip("#!/bin/sh\n"), $$""","Description":"{{new string('d', 100_000)}}" """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ValidationException", ErrorType(response));
        Assert.StartsWith("1 validation error detected:", Message(body));
        Assert.False(server.Registry.Current.TryGet("fn", out _));
    }
    [Fact]
    public async Task An_alias_qualifier_answers_its_version_under_the_alias_ARN()
    {
        // LS-REC test_alias_lifecycle: get_function_alias_1_1 has FunctionArn …:aliasname1_1 and Version "1".
        await using var server = await StartAsync();
        await server.SendAsync(HttpMethod.Post, "/2015-03-31/functions", CreateBody("fn", Zip("#!/bin/sh\n"), ""","Publish":true"""));
        server.Registry.Change(s =>
        {
            s.TryGet("fn", out var f);
            var alias = new Gateway.Functions.Registry.AliasRecord { Name = "live", Arn = Arn + "fn:live", FunctionVersion = "1", RevisionId = "r" };
            return (s.With(f with { Aliases = f.Aliases.SetItem("live", alias) }), 0);
        });

        var (response, config) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions/fn/configuration?Qualifier=live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Arn + "fn:live", config.GetProperty("FunctionArn").GetString());
        Assert.Equal("1", config.GetProperty("Version").GetString());

        var (delete, deleteBody) = await server.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/fn?Qualifier=1");
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Equal("Unable to delete version because the following aliases reference it: [live]", Message(deleteBody));
    }

    [Theory]
    [InlineData("0", "Member must have value greater than or equal to 1")]
    [InlineData("10001", "Member must have value less than or equal to 10000")]
    [InlineData("many", "Member must be a number")]
    public async Task MaxItems_outside_the_model_is_a_validation_error(string maxItems, string constraint)
    {
        await using var server = await StartAsync();
        var (response, body) = await server.SendAsync(HttpMethod.Get, "/2015-03-31/functions?MaxItems=" + maxItems);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"1 validation error detected: Value '{maxItems}' at 'maxItems' failed to satisfy constraint: {constraint}", Message(body));
    }
}
