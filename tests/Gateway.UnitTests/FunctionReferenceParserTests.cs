using System.Text;
using System.Text.RegularExpressions;
using Gateway.Invoke;

namespace Gateway.UnitTests;

public class FunctionReferenceParserTests
{
    private const string PatternMessagePrefix = "1 validation error detected: Value '";

    // botocore's NamespacedFunctionName pattern, typed out again here (not read from the product), so a change to the
    // product's copy shows up as a failing test.
    private const string BotocorePattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:|(((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?))(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";

    // Anchored with \z, not $: in .NET, $ also matches before a final '\n', which AWS's (Java) full match does not.
    private static readonly Regex Anchored = new("^(?:" + BotocorePattern + @")\z", RegexOptions.CultureInvariant);

    private static FunctionReference Parse(string value)
    {
        Assert.True(FunctionReferenceParser.TryParse(value, out var reference, out var error), $"'{value}' should parse; error: {error}");
        Assert.Null(error);
        return reference;
    }

    private static string Refuse(string value)
    {
        Assert.False(FunctionReferenceParser.TryParse(value, out _, out var error), $"'{value}' should be refused");
        Assert.NotNull(error);
        return error!;
    }

    private static string PatternMessage(string value)
        => $"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {BotocorePattern}";

    [Fact]
    public void Product_pattern_is_botocores_pattern()
    {
        Assert.Equal(BotocorePattern, FunctionReferenceParser.Pattern);
        Assert.Equal(@"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+", FunctionReferenceParser.QualifierPattern);
    }

    [Theory]
    [InlineData("my-function")]
    [InlineData("echo")]
    [InlineData("a")]
    [InlineData("My_Function.v2-final")]
    [InlineData("123")]
    [InlineData("...")]
    [InlineData("function")]
    public void Bare_name(string value)
    {
        Assert.Equal(new FunctionReference(value, null, null, null), Parse(value));
    }

    [Theory]
    [InlineData("my-function:v1", "my-function", "v1")]
    [InlineData("my-function:prod_2", "my-function", "prod_2")]
    [InlineData("my-function:7", "my-function", "7")]
    [InlineData("my-function:$LATEST", "my-function", "$LATEST")]
    [InlineData("my-function:$LATEST.PUBLISHED", "my-function", "$LATEST.PUBLISHED")]
    [InlineData("my.fn_1-x:blue-green", "my.fn_1-x", "blue-green")]
    public void Name_and_qualifier(string value, string name, string qualifier)
    {
        Assert.Equal(new FunctionReference(name, qualifier, null, null), Parse(value));
    }

    [Theory]
    [InlineData("123456789012:function:my-function", "my-function", null)]
    [InlineData("123456789012:function:my-function:v1", "my-function", "v1")]
    [InlineData("123456789012:function:my-function:$LATEST", "my-function", "$LATEST")]
    public void Partial_arn_with_account(string value, string name, string? qualifier)
    {
        Assert.Equal(new FunctionReference(name, qualifier, null, "123456789012"), Parse(value));
    }

    [Theory]
    [InlineData("us-west-2:123456789012:function:my-function", "us-west-2", "my-function", null)]
    [InlineData("us-west-2:123456789012:function:my-function:qual", "us-west-2", "my-function", "qual")]
    [InlineData("us-gov-west-1:123456789012:function:fn:$LATEST.PUBLISHED", "us-gov-west-1", "fn", "$LATEST.PUBLISHED")]
    [InlineData("eusc-de-east-1:123456789012:function:fn", "eusc-de-east-1", "fn", null)]
    public void Partial_arn_with_region_and_account(string value, string region, string name, string? qualifier)
    {
        Assert.Equal(new FunctionReference(name, qualifier, region, "123456789012"), Parse(value));
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-west-2:123456789012:function:my-function", "us-west-2", "my-function", null)]
    [InlineData("arn:aws:lambda:us-west-2:123456789012:function:my-function:v1", "us-west-2", "my-function", "v1")]
    [InlineData("arn:aws:lambda:eu-central-1:000000000000:function:my.fn_x:$LATEST", "eu-central-1", "my.fn_x", "$LATEST")]
    [InlineData("arn:aws-us-gov:lambda:us-gov-east-1:123456789012:function:fn:$LATEST.PUBLISHED", "us-gov-east-1", "fn", "$LATEST.PUBLISHED")]
    [InlineData("arn:aws-cn:lambda:cn-north-1:123456789012:function:fn", "cn-north-1", "fn", null)]
    [InlineData("arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:fn", "us-isob-east-1", "fn", null)]
    [InlineData("arn::lambda:us-east-1:123456789012:function:fn", "us-east-1", "fn", null)]
    public void Full_arn(string value, string region, string name, string? qualifier)
    {
        var account = value.Split(':')[4];
        Assert.Equal(new FunctionReference(name, qualifier, region, account), Parse(value));
    }

    [Fact]
    public void Full_arn_without_function_segment_is_accepted_as_the_pattern_allows()
    {
        Assert.Equal(new FunctionReference("my-function", null, "us-east-1", "123456789012"),
            Parse("arn:aws:lambda:us-east-1:123456789012:my-function"));
    }

    [Theory]
    [InlineData("my function")]
    [InlineData(" my-function")]
    [InlineData("my-function ")]
    [InlineData("arn:aws:lambda:bad")]
    [InlineData("arn:aws:lambda:us-west-2:12345:function:fn")]
    [InlineData("arn:aws:s3:us-west-2:123456789012:function:fn")]
    [InlineData("my-function:v/1")]
    [InlineData("my-function:v.1")]
    [InlineData("my-function:$LATEST.FOO")]
    [InlineData("my-function:$latest")]
    [InlineData("my-function:")]
    [InlineData(":my-function")]
    [InlineData("my-function:v1:extra")]
    [InlineData("$LATEST")]
    [InlineData("my/function")]
    [InlineData("my@function")]   // '@' would be inside a range 9-_ if the class [0-9-_] were read as one
    [InlineData("my[function]")]
    [InlineData("fünction")]
    [InlineData("fn\nx")]
    [InlineData("fn\t")]
    public void Invalid_name_gets_the_pattern_message(string value)
    {
        Assert.Equal(PatternMessage(value), Refuse(value));
    }

    [Theory]
    [InlineData("fn\n")]
    [InlineData("fn:v1\n")]
    [InlineData("arn:aws:lambda:us-west-2:123456789012:function:fn\n")]
    public void Trailing_newline_is_refused(string value)
    {
        Assert.Equal(PatternMessage(value), Refuse(value));
    }

    [Fact]
    public void Qualifier_with_trailing_newline_is_refused()
    {
        Assert.NotNull(FunctionReferenceParser.ValidateQualifier("v1\n"));
    }

    [Fact]
    public void Empty_name_gets_the_pattern_message()
    {
        Assert.Equal(
            @"1 validation error detected: Value '' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:|(((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?))(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?",
            Refuse(""));
    }

    [Fact]
    public void Name_of_256_characters_is_accepted()
    {
        var value = new string('a', 256);
        Assert.Equal(value, Parse(value).Name);
    }

    [Fact]
    public void Name_of_257_characters_gets_the_length_message()
    {
        var value = new string('a', 257);
        Assert.Equal(
            $"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256",
            Refuse(value));
    }

    [Fact]
    public void Length_is_checked_before_the_pattern()
    {
        var value = new string(' ', 300);
        Assert.EndsWith("Member must have length less than or equal to 256", Refuse(value));
    }

    [Fact]
    public void Full_arn_of_exactly_256_characters_is_accepted()
    {
        const string prefix = "arn:aws:lambda:us-west-2:123456789012:function:";
        var value = prefix + new string('f', 256 - prefix.Length);
        Assert.Equal(256, value.Length);
        Assert.Equal(new string('f', 256 - prefix.Length), Parse(value).Name);
        Assert.StartsWith(PatternMessagePrefix, Refuse(value + "g"));
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("1")]
    [InlineData("$LATEST")]
    [InlineData("$LATEST.PUBLISHED")]
    [InlineData("blue-green_2")]
    [InlineData("a$b")]
    public void Valid_qualifier(string qualifier)
    {
        Assert.Null(FunctionReferenceParser.ValidateQualifier(qualifier));
    }

    [Fact]
    public void Qualifier_of_128_characters_is_valid()
    {
        Assert.Null(FunctionReferenceParser.ValidateQualifier(new string('q', 128)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("v.1")]
    [InlineData("$LATEST.FOO")]
    [InlineData("v/1")]
    [InlineData("v 1")]
    [InlineData("v:1")]
    [InlineData(".PUBLISHED")]
    public void Invalid_qualifier_gets_the_pattern_message(string qualifier)
    {
        Assert.Equal(
            $"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
            FunctionReferenceParser.ValidateQualifier(qualifier));
    }

    [Fact]
    public void Qualifier_of_129_characters_gets_the_length_message()
    {
        var qualifier = new string('q', 129);
        Assert.Equal(
            $"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128",
            FunctionReferenceParser.ValidateQualifier(qualifier));
    }

    /// <summary>
    /// Three src bugs the generators below find at once (crash on "arn:x", prefix stripping, and the $ anchor); the
    /// skipped tests pin them. Set this to false (or delete
    /// it) when FunctionReference.cs is fixed, so the property tests cover those inputs again.
    /// </summary>
    private const bool KnownBugs = false;

    /// <summary>"arn" used as a plain function name with a qualifier (arn:v1): TryParse indexes parts[3] and throws.</summary>
    private static bool IsArnNamedFunction(string value) => value.StartsWith("arn:", StringComparison.Ordinal) && value.Split(':').Length <= 2;

    [Theory]
    [InlineData("arn:v1")]
    [InlineData("arn:$LATEST")]
    [InlineData("arn:123456789012")]
    public void Function_named_arn_with_a_qualifier(string value)
    {
        var qualifier = value[4..];
        Assert.Equal(new FunctionReference("arn", qualifier, null, null), Parse(value));
    }

    [Theory]
    [InlineData("function:$LATEST", "function", "$LATEST", null, null)]
    [InlineData("function:$LATEST.PUBLISHED", "function", "$LATEST.PUBLISHED", null, null)]
    [InlineData("us-west-2:$LATEST", "us-west-2", "$LATEST", null, null)]
    [InlineData("123456789012:$LATEST", "123456789012", "$LATEST", null, null)]
    [InlineData("arn:aws:lambda:us-west-2:123456789012:function:$LATEST", "function", "$LATEST", "us-west-2", "123456789012")]
    public void Prefix_segments_are_not_stripped_when_what_follows_is_not_a_name(string value, string name, string qualifier, string? region, string? account)
    {
        Assert.Equal(new FunctionReference(name, qualifier, region, account), Parse(value));
    }

    /// <summary>
    /// Property: for generated strings, the fast path plus the parse agree with the anchored AWS pattern on validity;
    /// and what a successful parse returns is made of the input: the value ends with name[:qualifier], the name is
    /// made of name characters, and a region/account, when returned, appears in the value.
    /// </summary>
    [Fact]
    public void Generated_strings_agree_with_the_anchored_pattern()
    {
        var (failures, _) = Generate();
        Assert.True(failures.Count == 0, $"{failures.Count} disagreements, e.g.\n" + string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Generated_strings_split_into_a_valid_name_and_qualifier()
    {
        var (_, problems) = Generate();
        Assert.True(problems.Count == 0, $"{problems.Count} bad splits, e.g.\n" + string.Join("\n", problems.Take(30)));
    }

    private static (List<string> Failures, List<string> ShapeFailures) Generate()
    {
        string[] tokens =
        [
            "arn", "aws", "aws-cn", "lambda", "us-west-2", "us-gov-west-1", "eusc-de-east-1", "123456789012", "12345678901",
            "function", "$LATEST", "$LATEST.PUBLISHED", ".PUBLISHED", "my-fn", "fn_1", "a.b", "v1", "7", ":", ":", ":", "::",
            " ", "/", "@", "$", "é", "-", "_", ".", "", "x", "Z9", "\n", "\t",
        ];
        var random = new Random(20240531);
        int valid = 0, invalid = 0;
        var failures = new List<string>();
        var shapeFailures = new List<string>();
        string[] segments =
        [
            "arn", "aws", "aws-us-gov", "", "lambda", "us-west-2", "eusc-de-east-1", "123456789012", "1234", "function",
            "$LATEST", "$LATEST.PUBLISHED", "my-fn", "a.b", "v1", "7", "x y", "s3",
        ];
        for (int i = 0; i < 4000; i++)
        {
            var builder = new StringBuilder();
            int count = random.Next(1, 10);
            for (int t = 0; t < count; t++)
            {
                builder.Append(tokens[random.Next(tokens.Length)]);
            }
            // Colon-joined sequences of meaningful segments: the partial-ARN forms and their near misses.
            if (i % 3 == 1)
            {
                builder.Clear().AppendJoin(':', Enumerable.Range(0, random.Next(1, 9)).Select(_ => segments[random.Next(segments.Length)]));
            }
            // Some structured candidates: a real shape with one token swapped.
            if (i % 3 == 0)
            {
                var parts = new[] { "arn", "aws", "lambda", "us-west-2", "123456789012", "function", "my-fn", "v1" };
                int skip = random.Next(parts.Length + 3);
                parts = [.. parts.Where((_, index) => index != skip)];
                if (random.Next(2) == 0)
                {
                    parts[random.Next(parts.Length)] = tokens[random.Next(tokens.Length)];
                }
                builder.Clear().Append(string.Join(':', parts.Skip(random.Next(4) == 0 ? 3 : 0)));
            }
            if (KnownBugs && builder.Length > 0 && builder[^1] == '\n')
            {
                builder.Append('x'); // a final '\n' is the known $-anchor bug (Trailing_newline_is_refused); inner ones are fair game
            }
            var value = builder.ToString();
            bool expected = value.Length <= 256 && Anchored.IsMatch(value);
            bool actual;
            FunctionReference reference;
            string? error;
            try
            {
                actual = FunctionReferenceParser.TryParse(value, out reference, out error);
            }
            catch (IndexOutOfRangeException) when (KnownBugs && IsArnNamedFunction(value))
            {
                continue;
            }
            catch (Exception ex)
            {
                failures.Add($"'{value}': threw {ex.GetType().Name}");
                continue;
            }
            if (expected != actual)
            {
                failures.Add($"'{value}': pattern says {expected}, parser says {actual} ({error})");
            }
            else if (actual)
            {
                valid++;
                if (KnownBugs && reference.Name.StartsWith('$'))
                {
                    continue; // Prefix_segments_are_not_stripped_when_what_follows_is_not_a_name
                }
                if (error is not null || ShapeProblem(value, reference) is not null)
                {
                    shapeFailures.Add($"'{value}' -> {reference}: {ShapeProblem(value, reference)}");
                }
            }
            else
            {
                invalid++;
                if (error is null || !error.StartsWith(PatternMessagePrefix + value + "' at 'functionName'", StringComparison.Ordinal))
                {
                    failures.Add($"'{value}': message {error}");
                }
            }
        }
        // The generator must exercise both outcomes, or the property proves nothing.
        Assert.True(valid > 300, $"only {valid} valid");
        Assert.True(invalid > 300, $"only {invalid} invalid");
        return (failures, shapeFailures);
    }

    /// <summary>Why <paramref name="reference"/> is not a faithful split of <paramref name="value"/>, or null.</summary>
    private static string? ShapeProblem(string value, FunctionReference reference)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(reference.Name, @"^[a-zA-Z0-9_.-]+\z"))
        {
            return "name is not made of name characters";
        }
        var tail = reference.Qualifier is null ? reference.Name : reference.Name + ":" + reference.Qualifier;
        if (!value.EndsWith(tail, StringComparison.Ordinal))
        {
            return "value does not end with name[:qualifier]";
        }
        if (reference.Qualifier is not null && FunctionReferenceParser.ValidateQualifier(reference.Qualifier) is not null)
        {
            return "qualifier is not a valid qualifier";
        }
        if (reference.Region is not null && !value.Contains(reference.Region + ":", StringComparison.Ordinal))
        {
            return "region not in value";
        }
        if (reference.AccountId is not null && (reference.AccountId.Length != 12 || !value.Contains(reference.AccountId + ":", StringComparison.Ordinal)))
        {
            return "account not in value";
        }
        return null;
    }

    [Fact]
    public void Generated_long_names_agree_with_the_anchored_pattern_around_the_length_limit()
    {
        var random = new Random(7);
        const string alphabet = "abcXYZ019-_.:$ ";
        for (int i = 0; i < 300; i++)
        {
            int length = random.Next(250, 262);
            var chars = new char[length];
            for (int c = 0; c < length; c++)
            {
                // mostly name characters, so a fair share is valid
                chars[c] = random.Next(40) == 0 ? alphabet[random.Next(alphabet.Length)] : alphabet[random.Next(9)];
            }
            var value = new string(chars);
            bool expected = value.Length <= 256 && Anchored.IsMatch(value);
            Assert.Equal(expected, FunctionReferenceParser.TryParse(value, out _, out _));
        }
    }
    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:")]
    [InlineData("123456789012:function:")]
    [InlineData("my-function:")]
    public void Every_form_over_256_characters_gets_the_length_message(string prefix)
    {
        var value = prefix + new string('f', 257 - prefix.Length);
        Assert.Equal($"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256", Refuse(value));
    }

    [Fact]
    public void Bare_name_of_65_characters_parses_as_on_AWS_which_answers_404_for_it()
        => Assert.Equal(new string('a', 65), Parse(new string('a', 65)).Name);
}
