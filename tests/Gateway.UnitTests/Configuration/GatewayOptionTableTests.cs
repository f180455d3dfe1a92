using System.Globalization;
using System.Reflection;
using Gateway.Configuration;
using Microsoft.Extensions.Configuration;

namespace Gateway.UnitTests.Configuration;

/// <summary>The table is the only list of options: these tests fail when it and <see cref="GatewayOptions"/> drift apart.</summary>
public class GatewayOptionTableTests
{
    private static readonly PropertyInfo[] Settable = typeof(GatewayOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.SetMethod is { IsPublic: true })
        .ToArray();

    private static readonly GatewayOption[] GatewayRows = GatewayOptionTable.All.Where(o => o.IsGatewaySetting).ToArray();

    public static TheoryData<string> PropertyNames => new(Settable.Select(p => p.Name));

    [Theory]
    [MemberData(nameof(PropertyNames))]
    public void Every_settable_property_of_GatewayOptions_has_a_row_of_its_type(string property)
    {
        var row = Assert.Single(GatewayRows, o => o.Key == "Gateway:" + property);
        Assert.Equal(typeof(GatewayOptions).GetProperty(property)!.PropertyType, row.ValueType);
    }

    [Fact]
    public void Every_Gateway_row_is_a_settable_property()
    {
        Assert.All(GatewayRows, row => Assert.Contains(Settable, p => p.Name == row.PropertyName));
        Assert.Equal(Settable.Length, GatewayRows.Length);
    }

    [Fact]
    public void MaxEnvironments_is_an_option_with_no_fixed_default()
    {
        var row = Assert.Single(GatewayRows, o => o.Key == "Gateway:MaxEnvironments");
        Assert.Equal("--max-environments", row.Switches.Single().Name);
        Assert.Equal(typeof(int?), row.ValueType);
        Assert.Null(new GatewayOptions().MaxEnvironments); // null: the machine's default is computed where it is used
    }

    [Theory]
    [MemberData(nameof(PropertyNames))]
    public void A_rows_default_is_the_propertys_default(string property)
    {
        var row = GatewayRows.Single(o => o.PropertyName == property);
        object? value = typeof(GatewayOptions).GetProperty(property)!.GetValue(new GatewayOptions());
        switch (value)
        {
            case null:
                Assert.False(string.IsNullOrWhiteSpace(row.Default), "a computed default is described");
                break;
            case "":
                Assert.Equal("none", row.Default);
                break;
            default:
                Assert.Equal(Convert.ToString(value, CultureInfo.InvariantCulture)!, row.Default, ignoreCase: true);
                break;
        }
    }

    [Fact]
    public void Every_switch_and_key_names_one_row()
    {
        var names = GatewayOptionTable.All.SelectMany(o => o.Switches.Select(s => s.Name).Append("--" + o.Key).Distinct(StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(GatewayOptionTable.All.SelectMany(o => o.Switches), s => Assert.Matches("^--[a-z][a-z-]*[a-z]$", s.Name));
    }

    [Fact]
    public void Every_row_has_help_a_value_name_and_a_type_the_check_knows()
    {
        Assert.All(GatewayOptionTable.All, row =>
        {
            Assert.False(string.IsNullOrWhiteSpace(row.Help));
            Assert.Matches("^[A-Z]+$", row.ValueName);
            Assert.True(row.Accepts("")); // the binder skips empty values
            row.Accepts("1"); // throws NotSupportedException for a type without a check
            Assert.Equal(row.ValueType != typeof(string), row.Expected != "text");
        });
        Assert.All(Enum.GetValues<OptionGroup>(), group => Assert.Contains(GatewayOptionTable.All, o => o.Group == group));
    }

    /// <summary>The table's value check must agree with the binder, or a value would pass the check and still throw in Bind.</summary>
    [Theory]
    [InlineData("AccountConcurrencyLimit", "12", true)]
    [InlineData("AccountConcurrencyLimit", "lots", false)]
    [InlineData("AccountConcurrencyLimit", "1.5", false)]
    [InlineData("AccountConcurrencyLimit", "99999999999", false)]
    [InlineData("BurstCapacity", "3", true)]
    [InlineData("BurstCapacity", "x", false)]
    [InlineData("RequestBodyBufferBytes", "40000000000", true)]
    [InlineData("RequestBodyBufferBytes", "4e10", false)]
    [InlineData("AsyncClockRate", "1e3", true)]
    [InlineData("AsyncClockRate", "1.5", true)]
    [InlineData("AsyncClockRate", "fast", false)]
    [InlineData("BurstRefillPerSecond", "8.3", true)]
    [InlineData("InlineScheduling", "True", true)]
    [InlineData("InlineScheduling", "yes", false)]
    [InlineData("MaxEnvironments", "64", true)]
    [InlineData("MaxEnvironments", "many", false)]
    public void The_value_check_agrees_with_the_binder(string property, string value, bool converts)
    {
        var row = GatewayRows.Single(o => o.PropertyName == property);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Gateway:" + property, value)]).Build();
        var bind = () => configuration.GetSection("Gateway").Bind(new GatewayOptions());

        Assert.Equal(converts, row.Accepts(value));
        if (converts)
        {
            bind();
        }
        else
        {
            Assert.Throws<InvalidOperationException>(bind);
        }
    }
}
