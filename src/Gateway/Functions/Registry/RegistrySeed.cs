using System.Security.Cryptography;

namespace Gateway.Functions.Registry;

/// <summary>
/// The registry at start: the functions file/folder, merged with what the API changed in earlier runs. The rule is the
/// one event-invoke-config follows: the file seeds each function, and a function changed through the API (or deleted
/// through it) stays as the API left it, across restarts. <c>--reset-api-changes NAME|*</c> goes back to the file.
/// </summary>
internal static class RegistrySeed
{
    public static RegistrySnapshot Build(IReadOnlyList<FunctionDefinition> fromFile, PersistedRegistry persisted, DateTimeOffset fileTime, Action<string> log)
    {
        var records = new Dictionary<string, FunctionRecord>(StringComparer.Ordinal);
        foreach (var definition in fromFile)
        {
            if (persisted.DeletedFileFunctions.Contains(definition.Name))
            {
                log($"{definition.Name}: deleted through the API in an earlier run, so the functions file's entry is not served (--reset-api-changes {definition.Name} brings it back)");
                continue;
            }
            records[definition.Name] = FromFile(definition, fileTime);
        }
        foreach (var record in persisted.Functions)
        {
            if (records.ContainsKey(record.Name))
            {
                log($"{record.Name}: changed through the API in an earlier run; that state overrides the functions file (--reset-api-changes {record.Name} goes back to the file)");
            }
            records[record.Name] = record;
        }
        return new RegistrySnapshot(1, records.Values);
    }

    /// <summary>A functions-file entry as a function with only $LATEST.</summary>
    public static FunctionRecord FromFile(FunctionDefinition definition, DateTimeOffset fileTime)
    {
        var (sha, size) = HashFolder(definition.CodeDirectory);
        return new FunctionRecord
        {
            Name = definition.Name,
            Arn = definition.Arn,
            Latest = new VersionRecord
            {
                Definition = definition,
                Runtime = definition.Runtime,
                Role = $"arn:aws:iam::{AccountOf(definition.Arn)}:role/gateway-function",
                CodeSha256 = sha,
                CodeSize = size,
                RevisionId = Guid.NewGuid().ToString(),
                LastModified = fileTime,
                EphemeralStorageMb = definition.EphemeralStorageMb,
            },
            ReservedConcurrentExecutions = definition.ReservedConcurrentExecutions,
            Origin = FunctionOrigin.File,
        };
    }

    private static string AccountOf(string arn) => arn.Split(':')[4];

    /// <summary>A code folder's CodeSha256 and size: SHA-256 over each file's relative path and bytes, in name order
    /// (a stand-in for the zip's hash: the same folder gives the same value, a changed file a new one). The folder's
    /// own files only, as its download zips them (Management/FolderZips.cs): symbolic links are not followed.</summary>
    public static (string CodeSha256, long Size) HashFolder(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var buffer = new byte[64 * 1024];
        if (Directory.Exists(directory))
        {
            var ownFiles = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
            foreach (var file in Directory.EnumerateFiles(directory, "*", ownFiles).Order(StringComparer.Ordinal))
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(directory, file)));
                using var stream = File.OpenRead(file);
                size += stream.Length;
                int n;
                while ((n = stream.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                }
            }
        }
        return (Convert.ToBase64String(hash.GetHashAndReset()), size);
    }
}
