using System.Text;
using Gateway.Invoke;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// FunctionName and Qualifier as they arrive in an Invoke path and its <c>?Qualifier=</c>: line 1 is the name, line 2
/// (optional) the qualifier. Refusal: a false return / a message, never an exception.
/// </summary>
internal static class FunctionReferenceTarget
{
    public static void Run(byte[] data)
    {
        var (nameBytes, rest) = Input.SplitLine(data);
        string name = Input.Text(nameBytes.Span);
        if (FunctionReferenceParser.TryParse(name, out var reference, out var error))
        {
            // What the resolver relies on: a non-empty name of name characters, and a qualifier that is not empty.
            FuzzInvariantException.Check(error is null, "TryParse succeeded with an error message");
            FuzzInvariantException.Check(reference.Name.Length > 0, $"empty function name parsed from '{name}'");
            FuzzInvariantException.Check(name.Contains(reference.Name, StringComparison.Ordinal), "parsed name is not part of the input");
            FuzzInvariantException.Check(reference.Qualifier is null || reference.Qualifier.Length > 0, $"empty qualifier parsed from '{name}'");
        }
        else
        {
            FuzzInvariantException.Check(error is not null, "TryParse refused without a ValidationException message");
        }
        if (rest.Length > 0)
        {
            _ = FunctionReferenceParser.ValidateQualifier(Encoding.UTF8.GetString(Input.SplitLine(rest).Line.Span));
        }
    }
}
