using Gateway.FunctionUrls;
using Gateway.UnitTests.Management;

namespace Gateway.UnitTests.FunctionUrls;

public sealed class FunctionUrlRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 17, 0, 1, 123, TimeSpan.Zero);

    [Theory]
    [InlineData("$LATEST")]
    [InlineData("1")]
    [InlineData("42")]
    [InlineData("a.b")]
    public void The_qualifier_must_be_an_alias_name(string qualifier)
    {
        var error = FunctionUrlRules.CheckQualifier(qualifier);
        Assert.NotNull(error);
        Assert.Equal(400, error.Status);
        Assert.Equal("ValidationException", error.ErrorType);
        Assert.Equal($"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("live")]
    [InlineData("v1")]
    [InlineData("prod_2-b")]
    public void No_qualifier_or_an_alias_name_passes(string? qualifier) => Assert.Null(FunctionUrlRules.CheckQualifier(qualifier));

    [Fact]
    public void AuthType_is_required_on_create_only()
    {
        Assert.Equal("1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null",
            FunctionUrlRules.CheckBody(new FunctionUrlConfigRequest(), create: true)!.Message);
        Assert.Null(FunctionUrlRules.CheckBody(new FunctionUrlConfigRequest(), create: false));
    }

    [Fact]
    public void Enums_are_checked()
    {
        var error = FunctionUrlRules.CheckBody(new FunctionUrlConfigRequest { AuthType = "IAM", InvokeMode = "STREAM" }, create: true);
        Assert.Equal("2 validation errors detected: Value 'IAM' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]; "
            + "Value 'STREAM' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]", error!.Message);
    }

    [Fact]
    public void Cors_limits_are_the_models()
    {
        Assert.Null(FunctionUrlRules.CheckBody(new FunctionUrlConfigRequest
        {
            AuthType = "NONE",
            Cors = new CorsDocument
            {
                AllowOrigins = Enumerable.Range(0, 100).Select(i => "https://" + new string('a', 245)).ToList(),
                AllowMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "*"],
                AllowHeaders = Enumerable.Range(0, 100).Select(_ => new string('h', 1024)).ToList(),
                ExposeHeaders = [""],
                MaxAge = 86400,
            },
        }, create: true));

        Assert.Equal("1 validation error detected: Value '[GET, POST, PUT, DELETE, PATCH, HEAD, *]' at 'cors.allowMethods' failed to satisfy constraint: Member must have length less than or equal to 6",
            Body(new CorsDocument { AllowMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "*"] }));
        Assert.Equal("1 validation error detected: Value '[OPTIONS]' at 'cors.allowMethods' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 6, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: .*]",
            Body(new CorsDocument { AllowMethods = ["OPTIONS"] }));
        Assert.Equal("1 validation error detected: Value '[]' at 'cors.allowOrigins' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 253, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: .*]",
            Body(new CorsDocument { AllowOrigins = [""] }));
        Assert.Contains("at 'cors.allowOrigins' failed to satisfy constraint: Member must have length less than or equal to 100",
            Body(new CorsDocument { AllowOrigins = Enumerable.Range(0, 101).Select(i => "o" + i).ToList() }));
        Assert.Contains("at 'cors.allowHeaders' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 1024",
            Body(new CorsDocument { AllowHeaders = [new string('h', 1025)] }));
        Assert.Contains("at 'cors.exposeHeaders' failed to satisfy constraint: Member must have length less than or equal to 100",
            Body(new CorsDocument { ExposeHeaders = Enumerable.Range(0, 101).Select(i => "h" + i).ToList() }));
        Assert.Equal("1 validation error detected: Value '-1' at 'cors.maxAge' failed to satisfy constraint: Member must have value greater than or equal to 0",
            Body(new CorsDocument { MaxAge = -1 }));
        Assert.Equal("1 validation error detected: Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400",
            Body(new CorsDocument { MaxAge = 86401 }));
    }

    private static string? Body(CorsDocument cors) =>
        FunctionUrlRules.CheckBody(new FunctionUrlConfigRequest { AuthType = "NONE", Cors = cors }, create: true)?.Message;

    [Fact]
    public void Create_makes_one_url_per_function_and_qualifier()
    {
        var functions = Records.Snapshot(Records.Function("f", published: 1).WithAlias(Records.Alias("f", "live", "1")));
        var created = FunctionUrlRules.Create(functions, FunctionUrlSnapshot.Empty, "f", null, Records.ArnOf("f"), new FunctionUrlConfigRequest { AuthType = "AWS_IAM" }, Now);
        Assert.True(created.IsOk);
        var config = created.Value!;
        Assert.Matches("^[a-z0-9]{32}$", config.UrlId);
        Assert.Equal(FunctionUrlAuthType.AwsIam, config.AuthType);
        Assert.Equal(FunctionUrlInvokeMode.Buffered, config.InvokeMode);
        Assert.Equal(Now, config.CreationTime);

        var urls = FunctionUrlSnapshot.Empty.With(config);
        var again = FunctionUrlRules.Create(functions, urls, "f", null, Records.ArnOf("f"), new FunctionUrlConfigRequest { AuthType = "NONE" }, Now);
        Assert.Equal(409, again.Error!.Status);
        Assert.Equal("ResourceConflictException", again.Error.ErrorType);
        Assert.Equal("Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:000000000000:function:f]. Error message:  FunctionUrlConfig exists for this Lambda function", again.Error.Message);

        var alias = FunctionUrlRules.Create(functions, urls, "f", "live", Records.ArnOf("f"), new FunctionUrlConfigRequest { AuthType = "NONE", InvokeMode = "RESPONSE_STREAM" }, Now);
        Assert.True(alias.IsOk);
        Assert.NotEqual(config.UrlId, alias.Value!.UrlId);
        Assert.Equal(FunctionUrlInvokeMode.ResponseStream, alias.Value.InvokeMode);

        var aliasAgain = FunctionUrlRules.Create(functions, urls.With(alias.Value), "f", "live", Records.ArnOf("f"), new FunctionUrlConfigRequest { AuthType = "NONE" }, Now);
        Assert.Contains("[functionArn = arn:aws:lambda:us-east-1:000000000000:function:f:live]", aliasAgain.Error!.Message);
    }

    [Fact]
    public void A_missing_function_alias_or_url_is_404()
    {
        var functions = Records.Snapshot(Records.Function("f"));
        var request = new FunctionUrlConfigRequest { AuthType = "NONE" };
        Assert.Equal("Function does not exist",
            FunctionUrlRules.Create(functions, FunctionUrlSnapshot.Empty, "g", null, Records.ArnOf("g"), request, Now).Error!.Message);
        Assert.Equal("Function does not exist",
            FunctionUrlRules.Create(functions, FunctionUrlSnapshot.Empty, "f", "live", Records.ArnOf("f"), request, Now).Error!.Message);
        Assert.Equal("Function does not exist",
            FunctionUrlRules.Update(functions, FunctionUrlSnapshot.Empty, "g", null, Records.ArnOf("g"), request, Now).Error!.Message);
        Assert.Equal(FunctionUrlRules.NotFoundMessage,
            FunctionUrlRules.Find(functions, FunctionUrlSnapshot.Empty, "f", "live", Records.ArnOf("f"), out _)!.Message);
        var missing = FunctionUrlRules.Find(functions, FunctionUrlSnapshot.Empty, "f", null, Records.ArnOf("f"), out _);
        Assert.Equal(404, missing!.Status);
        Assert.Equal("ResourceNotFoundException", missing.ErrorType);
        Assert.Equal("The resource you requested does not exist.", missing.Message);
    }

    [Fact]
    public void Update_replaces_what_the_body_names_and_keeps_the_rest()
    {
        var functions = Records.Snapshot(Records.Function("f"));
        var config = FunctionUrlRules.Create(functions, FunctionUrlSnapshot.Empty, "f", null, Records.ArnOf("f"),
            new FunctionUrlConfigRequest { AuthType = "NONE", Cors = new CorsDocument { AllowOrigins = ["*"] } }, Now).Value!;
        var later = Now.AddMinutes(5);
        var updated = FunctionUrlRules.Update(functions, FunctionUrlSnapshot.Empty.With(config), "f", null, Records.ArnOf("f"),
            new FunctionUrlConfigRequest { InvokeMode = "RESPONSE_STREAM" }, later).Value!;
        Assert.Equal(config.UrlId, updated.UrlId);
        Assert.Equal(FunctionUrlAuthType.None, updated.AuthType);
        Assert.Equal(["*"], updated.Cors!.AllowOrigins!);
        Assert.Equal(FunctionUrlInvokeMode.ResponseStream, updated.InvokeMode);
        Assert.Equal(Now, updated.CreationTime);
        Assert.Equal(later, updated.LastModifiedTime);
    }

    [Fact]
    public void Timestamps_are_iso8601_with_microseconds_in_utc()
    {
        Assert.Equal("2026-12-05T17:00:01.123000Z", FunctionUrlNames.Timestamp(Now));
        Assert.Equal("2026-12-05T17:00:01.123000Z", FunctionUrlNames.Timestamp(Now.ToOffset(TimeSpan.FromHours(2))));
    }
}
