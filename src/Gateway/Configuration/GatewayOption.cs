using System.Globalization;

namespace Gateway.Configuration;

/// <summary>The headings <c>--help</c> prints the options under, in this order.</summary>
internal enum OptionGroup
{
    Server,
    Functions,
    Admission,
    Async,
    Cluster,
    Limits,
    Diagnostics,
}

/// <summary>A command-line spelling of an option. A negated one is a boolean switch that sets the opposite
/// (<c>--quiet</c> is Gateway:EchoFunctionLogs=false).</summary>
internal sealed record OptionSwitch(string Name, bool Negated = false);

/// <summary>
/// One setting the gateway accepts: its configuration key (<c>Gateway:DataDirectory</c>, or an ASP.NET Core host
/// key such as <c>urls</c>), its command-line switches, the CLR type it binds to, its default as text and a
/// one-line help. <see cref="GatewayOptionTable"/> holds them all; the parser, the configuration check and
/// <c>--help</c> read nothing else.
/// </summary>
internal sealed record GatewayOption(OptionGroup Group, string Key, OptionSwitch[] Switches, string ValueName, Type ValueType, string Default, string Help)
{
    public const string SectionPrefix = "Gateway:";

    /// <summary>A directory that must exist, given relative to the working directory. For contentRoot: ASP.NET Core
    /// resolves a relative one against the binary's folder, and throws (a stack trace) when it is missing.</summary>
    public bool ExistingDirectory { get; init; }

    /// <summary>A Gateway: setting (bound to <see cref="GatewayOptions"/>), not an ASP.NET Core host one.</summary>
    public bool IsGatewaySetting => Key.StartsWith(SectionPrefix, StringComparison.Ordinal);

    /// <summary>The property of <see cref="GatewayOptions"/> for a Gateway: setting.</summary>
    public string PropertyName => IsGatewaySetting ? Key[SectionPrefix.Length..] : Key;

    /// <summary>Booleans need no value on the command line: <c>--inline-scheduling</c> alone means true.</summary>
    public bool IsBoolean => ValueType == typeof(bool) || ValueType == typeof(bool?);

    /// <summary>What a value must look like, for messages: "a whole number", "true or false".</summary>
    public string Expected =>
        ValueType == typeof(int) || ValueType == typeof(int?) || ValueType == typeof(long) || ValueType == typeof(long?) ? "a whole number"
        : ValueType == typeof(double) || ValueType == typeof(double?) ? "a number"
        : IsBoolean ? "true or false"
        : "text";

    /// <summary>
    /// Whether the configuration binder can convert <paramref name="value"/>: the same parses, styles and culture
    /// as its generated code (int.Parse with NumberStyles.Integer, double.Parse with NumberStyles.Float, invariant),
    /// which would otherwise throw an InvalidOperationException from Bind. An empty value is accepted because the
    /// binder skips it (the default stays).
    /// </summary>
    public bool Accepts(string value)
    {
        if (value.Length == 0 || ValueType == typeof(string))
        {
            return true;
        }
        if (ValueType == typeof(int) || ValueType == typeof(int?))
        {
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        }
        if (ValueType == typeof(long) || ValueType == typeof(long?))
        {
            return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        }
        if (ValueType == typeof(double) || ValueType == typeof(double?))
        {
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        }
        if (IsBoolean)
        {
            return bool.TryParse(value, out _);
        }
        // A type the table does not know how to check yet: the unit test that matches rows to GatewayOptions
        // properties fails first, so this is not reached with a real row.
        throw new NotSupportedException($"{Key}: no value check for {ValueType.Name}");
    }
}
