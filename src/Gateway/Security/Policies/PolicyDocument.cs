using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Security.Policies;

/// <summary>
/// The policy JSON exactly as AWS renders it (recorded by LocalStack against AWS, 2025-11-25): <c>{"Version":
/// "2012-10-17","Id":"default","Statement":[…]}</c>, each statement <c>Sid, Effect, Principal, Action, Resource,
/// Condition</c> in that order, compact, with <c>Condition</c> only when there is one. The same text is what the store
/// keeps, so a policy reads back as it was answered. Written with <see cref="Utf8JsonWriter"/> rather than a
/// serializer: the member order and the Principal's two shapes (a string or an object) are the format.
/// </summary>
internal static class PolicyDocument
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Render(ImmutableArray<PolicyStatement> statements)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("Version", "2012-10-17");
            writer.WriteString("Id", "default");
            writer.WriteStartArray("Statement");
            foreach (var statement in statements)
            {
                Write(writer, statement);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One statement on its own: AddPermission's <c>Statement</c> answer.</summary>
    public static string Render(PolicyStatement statement)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, statement);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, PolicyStatement statement)
    {
        writer.WriteStartObject();
        writer.WriteString("Sid", statement.Sid);
        writer.WriteString("Effect", "Allow");
        switch (statement.Principal.Kind)
        {
            case PrincipalKind.Anyone:
                writer.WriteString("Principal", "*");
                break;
            default:
                writer.WriteStartObject("Principal");
                writer.WriteString(statement.Principal.Kind == PrincipalKind.Aws ? "AWS" : "Service", statement.Principal.Value);
                writer.WriteEndObject();
                break;
        }
        writer.WriteString("Action", statement.Action);
        writer.WriteString("Resource", statement.Resource);
        if (!statement.Conditions.IsDefaultOrEmpty)
        {
            writer.WriteStartObject("Condition");
            // Grouped by operator, each operator where its first key was; keys in the order they were added.
            foreach (var op in statement.Conditions.Select(c => c.Operator).Distinct(StringComparer.Ordinal))
            {
                writer.WriteStartObject(op);
                foreach (var condition in statement.Conditions.Where(c => c.Operator == op))
                {
                    writer.WriteString(condition.Key, condition.Value);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    /// <summary>Reads back what <see cref="Render(ImmutableArray{PolicyStatement})"/> wrote (the store's documents).</summary>
    /// <exception cref="FormatException">The text is not such a policy.</exception>
    public static ImmutableArray<PolicyStatement> Parse(string policy)
    {
        try
        {
            using var document = JsonDocument.Parse(policy);
            var statements = ImmutableArray.CreateBuilder<PolicyStatement>();
            foreach (var element in document.RootElement.GetProperty("Statement").EnumerateArray())
            {
                statements.Add(ParseStatement(element));
            }
            return statements.ToImmutable();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("not a resource policy: " + ex.Message, ex);
        }
    }

    private static PolicyStatement ParseStatement(JsonElement element)
    {
        var principalElement = element.GetProperty("Principal");
        PolicyPrincipal principal;
        if (principalElement.ValueKind == JsonValueKind.String)
        {
            principal = PolicyPrincipal.Anyone;
        }
        else
        {
            var member = principalElement.EnumerateObject().First();
            principal = new PolicyPrincipal(member.Name == "AWS" ? PrincipalKind.Aws : PrincipalKind.Service, member.Value.GetString()!);
        }
        var conditions = ImmutableArray.CreateBuilder<PolicyCondition>();
        if (element.TryGetProperty("Condition", out var conditionElement))
        {
            foreach (var op in conditionElement.EnumerateObject())
            {
                foreach (var key in op.Value.EnumerateObject())
                {
                    conditions.Add(new PolicyCondition(op.Name, key.Name, key.Value.GetString()!));
                }
            }
        }
        return new PolicyStatement(element.GetProperty("Sid").GetString()!, principal, element.GetProperty("Action").GetString()!,
            element.GetProperty("Resource").GetString()!, conditions.ToImmutable());
    }
}
