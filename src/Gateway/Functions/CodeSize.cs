namespace Gateway.Functions;

/// <summary>The size of a function's code folder (AccountUsage.TotalCodeSize in GetAccountSettings).</summary>
internal static class CodeSize
{
    public static long Of(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
