using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Security.Policies;
using Gateway.UnitTests.Management;

namespace Gateway.UnitTests.Security;

public sealed class PolicyRulesTests
{
    private static readonly FunctionResolver Resolver = new(new FunctionRegistry(Records.Snapshot(), null), Records.Region, Records.Account, RoutingRandom.Create(1));
    private static readonly RegistrySnapshot Functions = Records.Snapshot(Records.Function("f", published: 1).WithAlias(Records.Alias("f", "live", "1")));

    private static AddPermissionRequest Request(string sid = "s3", string principal = "s3.amazonaws.com", string action = "lambda:InvokeFunction") =>
        new() { StatementId = sid, Principal = principal, Action = action };

    [Fact]
    public void The_policy_renders_as_aws_does()
    {
        var request = Request();
        request.SourceArn = "arn:aws:s3:::bucket";
        var (changed, result) = PolicyRules.Add(Functions, PolicySnapshot.Empty, Resolver, "f", null, request);
        Assert.True(result.IsOk);
        string arn = Records.ArnOf("f");
        Assert.Equal($$$$"""{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"{{{{arn}}}}","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket"}}}""",
            PolicyDocument.Render(result.Value!));
        Assert.Equal($$$$"""{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"{{{{arn}}}}","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket"}}}]}""",
            PolicyDocument.Render(changed!.Statements));
    }

    [Fact]
    public void Conditions_group_by_operator_in_aws_order()
    {
        var request = Request("urlPermission", "*", "lambda:InvokeFunctionUrl");
        request.SourceArn = "arn:aws:s3:::b";
        request.PrincipalOrgID = "o-1234567890";
        request.FunctionUrlAuthType = "NONE";
        request.SourceAccount = "111111111111";
        var statement = PolicyRules.BuildStatement(request, "arn").Value!;
        Assert.Equal("""{"Sid":"urlPermission","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Resource":"arn","Condition":{"StringEquals":{"AWS:SourceAccount":"111111111111","lambda:FunctionUrlAuthType":"NONE","aws:PrincipalOrgID":"o-1234567890"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::b"}}}""",
            PolicyDocument.Render(statement));
        var parsed = PolicyDocument.Parse(PolicyDocument.Render([statement]));
        Assert.Equal(statement.Conditions.ToArray(), parsed[0].Conditions.ToArray());
        Assert.Equal(statement with { Conditions = parsed[0].Conditions }, parsed[0]);
    }

    [Theory]
    [InlineData("*", """ "*" """)]
    [InlineData("111111111111", """{"AWS":"arn:aws:iam::111111111111:root"}""")]
    [InlineData("arn:aws:iam::111111111111:user/alice", """{"AWS":"arn:aws:iam::111111111111:user/alice"}""")]
    [InlineData("sns.amazonaws.com", """{"Service":"sns.amazonaws.com"}""")]
    [InlineData("alexa-appkit.amazon.com", """{"Service":"alexa-appkit.amazon.com"}""")]
    public void Principals_take_the_shape_aws_gives_them(string principal, string rendered)
    {
        var statement = PolicyRules.BuildStatement(Request(principal: principal), "arn").Value!;
        Assert.Contains("\"Principal\":" + rendered.Trim() + ",", PolicyDocument.Render(statement));
    }

    [Theory]
    [InlineData("nobody")]
    [InlineData("12345")]
    public void An_unknown_principal_is_refused(string principal)
    {
        var error = PolicyRules.BuildStatement(Request(principal: principal), "arn").Error!;
        Assert.Equal(("InvalidParameterValueException", "The provided principal was invalid. Please check the principal and try again."), (error.ErrorType, error.Message));
    }

    [Fact]
    public void The_body_is_checked_against_the_model()
    {
        Assert.Equal("1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
            PolicyRules.CheckBody(Request(sid: "example.com"))!.Message);
        Assert.Equal("1 validation error detected: Value 'invoke' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
            PolicyRules.CheckBody(Request(action: "invoke"))!.Message);
        Assert.StartsWith("3 validation errors detected: Value null at 'statementId'", PolicyRules.CheckBody(new AddPermissionRequest())!.Message);
        var badUrlType = Request();
        badUrlType.FunctionUrlAuthType = "PUBLIC";
        Assert.Equal("1 validation error detected: Value 'PUBLIC' at 'functionUrlAuthType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]",
            PolicyRules.CheckBody(badUrlType)!.Message);
        Assert.Null(PolicyRules.CheckBody(Request()));
    }

    [Fact]
    public void A_duplicate_statement_id_conflicts_and_each_change_has_a_new_revision()
    {
        var (first, _) = PolicyRules.Add(Functions, PolicySnapshot.Empty, Resolver, "f", null, Request());
        var snapshot = PolicySnapshot.Empty.With(first!);
        var (again, conflict) = PolicyRules.Add(Functions, snapshot, Resolver, "f", null, Request());
        Assert.Null(again);
        Assert.Equal((409, "ResourceConflictException", "The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement."),
            (conflict.Error!.Status, conflict.Error.ErrorType, conflict.Error.Message));
        var (second, _) = PolicyRules.Add(Functions, snapshot, Resolver, "f", null, Request("other"));
        Assert.NotEqual(first!.RevisionId, second!.RevisionId);
        Assert.Equal(2, second.Statements.Length);
        // The same id on an alias is another policy.
        Assert.True(PolicyRules.Add(Functions, snapshot, Resolver, "f", "live", Request()).Result.IsOk);
    }

    [Fact]
    public void A_stale_revision_id_is_refused()
    {
        var request = Request();
        request.RevisionId = "stale";
        var error = PolicyRules.Add(Functions, PolicySnapshot.Empty, Resolver, "f", null, request).Result.Error!;
        Assert.Equal((412, "PreconditionFailedException"), (error.Status, error.ErrorType));
        Assert.Equal("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id", error.Message);
    }

    [Theory]
    [InlineData("missing", null, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing")]
    [InlineData("f", "42", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:42")]
    [InlineData("f", "nope", "Cannot find alias arn: arn:aws:lambda:us-east-1:000000000000:function:f:nope")]
    [InlineData("f", "valid-with-$", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f:valid-with-$")]
    public void Add_to_what_does_not_exist_is_404_with_aws_message(string name, string? qualifier, string message)
    {
        var error = PolicyRules.Add(Functions, PolicySnapshot.Empty, Resolver, name, qualifier, Request()).Result.Error!;
        Assert.Equal((404, message), (error.Status, error.Message.Replace(Records.Region, "us-east-1").Replace(Records.Account, "000000000000")));
    }

    [Fact]
    public void Remove_and_get_answer_as_aws_does()
    {
        string Message((ResourcePolicy?, Gateway.Management.Outcome<bool> Result) removed) => removed.Result.Error!.Message;
        Assert.Equal("No policy found for: " + Records.ArnOf("missing"), Message(PolicyRules.Remove(Functions, PolicySnapshot.Empty, Resolver, "missing", null, "s3", null)));
        Assert.Equal("No policy is associated with the given resource.", Message(PolicyRules.Remove(Functions, PolicySnapshot.Empty, Resolver, "f", null, "s3", null)));
        Assert.Equal("The resource you requested does not exist.", PolicyRules.Get(Functions, PolicySnapshot.Empty, Resolver, "f", null).Error!.Message);
        Assert.Equal("The resource you requested does not exist.", PolicyRules.Get(Functions, PolicySnapshot.Empty, Resolver, "missing", null).Error!.Message);

        var (added, _) = PolicyRules.Add(Functions, PolicySnapshot.Empty, Resolver, "f", null, Request());
        var snapshot = PolicySnapshot.Empty.With(added!);
        Assert.Equal("Statement nope is not found in resource policy.", Message(PolicyRules.Remove(Functions, snapshot, Resolver, "f", null, "nope", null)));
        var stale = PolicyRules.Remove(Functions, snapshot, Resolver, "f", null, "s3", "stale").Result.Error!;
        Assert.Equal((412, "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"), (stale.Status, stale.Message));
        Assert.Same(added, PolicyRules.Get(Functions, snapshot, Resolver, "f", "$LATEST").Value); // $LATEST is the function's policy
        var (emptied, ok) = PolicyRules.Remove(Functions, snapshot, Resolver, "f", null, "s3", added!.RevisionId);
        Assert.True(ok.IsOk);
        Assert.Empty(emptied!.Statements); // the registry deletes an empty policy
    }
}
