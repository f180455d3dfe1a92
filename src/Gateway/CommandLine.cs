namespace Gateway;

/// <summary>
/// The gateway's own command-line switches, turned into configuration keys:
/// <c>--data DIR</c> (or <c>--data=DIR</c>) → Gateway:DataDirectory, <c>--functions PATH</c> → Gateway:Functions,
/// <c>--quiet</c> → Gateway:EchoFunctionLogs=false. Everything else (e.g. <c>--urls</c>, <c>--Gateway:Region=…</c>)
/// passes through to ASP.NET Core's command-line configuration.
/// </summary>
internal static class CommandLine
{
    public static string[] Normalize(string[] args)
    {
        var result = new List<string>(args.Length);
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length:
                    result.Add("--Gateway:DataDirectory=" + args[++i]);
                    break;
                case "--functions" when i + 1 < args.Length:
                    result.Add("--Gateway:Functions=" + args[++i]);
                    break;
                case var arg when arg.StartsWith("--data=", StringComparison.Ordinal):
                    result.Add("--Gateway:DataDirectory=" + arg["--data=".Length..]);
                    break;
                case var arg when arg.StartsWith("--functions=", StringComparison.Ordinal):
                    result.Add("--Gateway:Functions=" + arg["--functions=".Length..]);
                    break;
                case "--quiet":
                    result.Add("--Gateway:EchoFunctionLogs=false");
                    break;
                default:
                    result.Add(args[i]);
                    break;
            }
        }
        return [.. result];
    }
}
