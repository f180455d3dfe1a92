using Gateway.Environments;

namespace Gateway.UnitTests;

public class ErrorTypesTests
{
    [Theory]
    [InlineData("Runtime.ExitError")]
    [InlineData("Runtime.Unknown")]
    [InlineData("Runtime.InvalidEntrypoint")]
    [InlineData("Function.ResponseSizeTooLarge")]
    [InlineData("Function.Ab")]
    [InlineData("Runtime.AB")]
    public void Well_formed_types_are_kept(string header)
    {
        Assert.Same(header, ErrorTypes.Sanitize(header));
    }

    [Theory]
    [InlineData("Function.unhandled")]    // lower-case after the dot
    [InlineData("Function.X")]            // [A-Z][a-zA-Z]+ needs two letters
    [InlineData("Function.")]
    [InlineData("Function.Bad2")]
    [InlineData("Function.Bad Error")]
    [InlineData("Function.Bad.Error")]
    [InlineData("Function.Bad_Error")]
    [InlineData("Function.Éclair")]
    public void Malformed_function_types_become_Function_Unknown(string header)
    {
        Assert.Equal("Function.Unknown", ErrorTypes.Sanitize(header));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("unhandled")]             // what the Rust runtime sends
    [InlineData("Unhandled")]
    [InlineData("Runtime.X")]
    [InlineData("Runtime.exitError")]
    [InlineData("Runtime.")]
    [InlineData("Runtime")]
    [InlineData("runtime.ExitError")]
    [InlineData("function.Oops")]
    [InlineData("Sandbox.Timedout")]
    [InlineData("Extension.Crash")]
    [InlineData("Error")]
    [InlineData(" Runtime.ExitError")]
    [InlineData("Runtime.ExitError ")]
    public void Everything_else_becomes_Runtime_Unknown(string? header)
    {
        Assert.Equal("Runtime.Unknown", ErrorTypes.Sanitize(header));
    }
}
