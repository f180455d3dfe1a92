using System.Security.Cryptography;
using System.Text;
using Gateway.Functions.Code;

namespace Gateway.UnitTests.Functions.Code;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CodeStoreTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static UnixFileMode Mode(string octal) => (UnixFileMode)ZipBuilder.Octal(octal);

    /// <summary>What the reader would hand over: the zip's bytes in a spool file, with their hash.</summary>
    private static UploadedZip Upload(CodeStore store, byte[] zip)
    {
        string path = Path.Combine(store.SpoolDirectory, "upload-" + Guid.NewGuid().ToString("N") + ".zip");
        File.WriteAllBytes(path, zip);
        return new UploadedZip(path, zip.Length, SHA256.HashData(zip));
    }

    private CodeExtractionResult StoreAndExtract(byte[] zip, long maxUnzipped = CodeStore.AwsMaxUnzippedBytes)
    {
        var store = new CodeStore(_data.Path, maxUnzipped);
        return store.Extract(store.Store(Upload(store, zip)));
    }

    [Fact]
    public void Same_content_stored_twice_is_one_file()
    {
        var store = new CodeStore(_data.Path);
        byte[] zip = new ZipBuilder().File("bootstrap", "#!/bin/sh\n", "755").Build();
        var first = Upload(store, zip);
        var second = Upload(store, zip);

        var a = store.Store(first);
        var b = store.Store(second);

        Assert.Equal(a, b);
        Assert.Equal(Path.Combine(_data.Path, "code", "zips", Convert.ToHexStringLower(SHA256.HashData(zip)) + ".zip"), a.ZipPath);
        Assert.Single(Directory.GetFiles(store.ZipsDirectory));
        Assert.Empty(Directory.GetFiles(store.SpoolDirectory));
        Assert.Equal(zip, File.ReadAllBytes(a.ZipPath));
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(zip)), a.CodeSha256);
        Assert.Equal(zip.Length, a.Size);
        Assert.True(store.TryGet(a.Sha256Hex, out var found));
        Assert.Equal(a, found);
        Assert.False(store.TryGet("../" + a.Sha256Hex[3..], out _));
    }

    [Fact]
    public void HashZipFile_gives_AWS_CodeSha256_and_size()
    {
        byte[] zip = new ZipBuilder().File("index.py", "def handler(e, c): return 1\n").Build();
        string path = _data.Combine("f.zip");
        File.WriteAllBytes(path, zip);

        var (sha, size) = CodeStore.HashZipFile(path);

        Assert.Equal(Convert.ToBase64String(SHA256.HashData(zip)), sha);
        Assert.Equal(zip.Length, size);
    }

    [Fact]
    public void Corrupt_zip_is_refused_with_AWS_message()
    {
        var result = StoreAndExtract("this is not a zipfile, just a random string"u8.ToArray());

        Assert.False(result.Succeeded);
        Assert.Equal(new ManagementBodyError(400, "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again."), result.Error);
        Assert.Empty(Directory.GetDirectories(_data.Combine("code"), ".extracting-*"));
    }

    [Fact]
    public void Truncated_zip_is_refused()
    {
        byte[] zip = new ZipBuilder().File("a.txt", new byte[10_000]).Build();
        var result = StoreAndExtract(zip[..(zip.Length / 2)]);
        Assert.Equal(CodeErrors.CorruptZip, result.Error);
    }

    [Fact]
    public void Unzipped_size_over_the_cap_is_refused_from_the_declared_sizes()
    {
        byte[] zip = new ZipBuilder().File("a.bin", new byte[600_000]).File("b.bin", new byte[600_000]).Build();

        var result = StoreAndExtract(zip, maxUnzipped: 1_000_000);

        Assert.Equal(new ManagementBodyError(400, "InvalidParameterValueException", "Unzipped size must be smaller than 1000000 bytes"), result.Error);
    }

    [Fact]
    public void AWS_unzipped_message_names_262144000()
        => Assert.Equal("Unzipped size must be smaller than 262144000 bytes", CodeErrors.UnzippedTooLarge(CodeStore.AwsMaxUnzippedBytes).Message);

    [Fact]
    public void Zip_bomb_is_refused_from_its_declared_size_before_anything_is_inflated()
    {
        byte[] bomb = new ZipBuilder().File("bomb.bin", new byte[4_000_000]).Build();
        Assert.True(bomb.Length < 20_000, $"bomb is {bomb.Length} bytes");

        var result = StoreAndExtract(bomb, maxUnzipped: 1_000_000);

        Assert.Equal(CodeErrors.UnzippedTooLarge(1_000_000), result.Error);
        AssertNothingExtracted();
    }

    [Theory]
    [InlineData(4_000_000)] // inflates past the cap
    [InlineData(500_000)]   // inflates under the cap, still more than it declares
    public void Zip_bomb_that_lies_about_its_size_is_refused(int inflated)
    {
        byte[] bomb = ZipBuilder.Bomb(inflated, declared: 10);

        var result = StoreAndExtract(bomb, maxUnzipped: 1_000_000);

        // .NET stops inflating at the declared size, so the CRC exposes the lie; a runtime that kept inflating would
        // be stopped by the byte count at the cap instead. Either way nothing past the cap is written.
        Assert.Contains(result.Error, new ManagementBodyError?[] { CodeErrors.CorruptZip, CodeErrors.UnzippedTooLarge(1_000_000) });
        AssertNothingExtracted();
    }

    [Fact]
    public void Runtime_stops_inflating_at_the_declared_size()
    {
        // Documents why ZipExtractor checks each entry's CRC: the runtime's zip reader trusts the declared size.
        // If a runtime update changes this, the byte count in ZipExtractor is what stops a bomb.
        using var archive = new System.IO.Compression.ZipArchive(new MemoryStream(ZipBuilder.Bomb(inflated: 100_000, declared: 10)));
        using var stream = archive.Entries[0].Open();
        long total = 0;
        var buffer = new byte[8192];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            total += n;
        }
        Assert.Equal(10, total);
    }

    [Fact]
    public void Zip_with_a_damaged_entry_is_refused_by_its_crc()
    {
        byte[] zip = new ZipBuilder().File("a.txt", new string('a', 5000)).Build();
        // Flip the stored CRC in the central directory (PK\1\2 header, CRC at +16).
        int central = zip.AsSpan().IndexOf("PK\u0001\u0002"u8);
        zip[central + 16] ^= 0xFF;

        var result = StoreAndExtract(zip);

        Assert.Equal(CodeErrors.CorruptZip, result.Error);
    }

    private void AssertNothingExtracted()
        => Assert.Equal(["spool", "zips"], Directory.GetDirectories(_data.Combine("code")).Select(d => Path.GetFileName(d)!).Order().ToArray());

    [Fact]
    public void Mode_bits_are_kept()
    {
        byte[] zip = new ZipBuilder()
            .File("bootstrap", "#!/bin/sh\n", "755")
            .File("lib/data.txt", "data", "644")
            .File("private.txt", "secret", "600")
            .Directory("bin", "750")
            .Build();

        var result = StoreAndExtract(zip);

        Assert.True(result.Succeeded, result.Error?.Message);
        string dir = result.Directory!;
        Assert.Equal(Mode("755"), File.GetUnixFileMode(Path.Combine(dir, "bootstrap")));
        Assert.Equal(Mode("644"), File.GetUnixFileMode(Path.Combine(dir, "lib", "data.txt")));
        Assert.Equal(Mode("600"), File.GetUnixFileMode(Path.Combine(dir, "private.txt")));
        Assert.Equal(Mode("750"), File.GetUnixFileMode(Path.Combine(dir, "bin")));
        Assert.Equal(Mode("755"), File.GetUnixFileMode(Path.Combine(dir, "lib"))); // implied folder
        Assert.Equal("data", File.ReadAllText(Path.Combine(dir, "lib", "data.txt")));
        Assert.Equal(Encoding.UTF8.GetByteCount("#!/bin/sh\n") + 4 + 6, result.UnzippedSize);
    }

    [Fact]
    public void Non_executable_bootstrap_stays_non_executable()
    {
        var result = StoreAndExtract(new ZipBuilder().File("bootstrap", "#!/bin/sh\n", "644").Build());

        var mode = File.GetUnixFileMode(Path.Combine(result.Directory!, "bootstrap"));
        Assert.Equal(Mode("644"), mode);
        Assert.Equal((UnixFileMode)0, mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
    }

    [Fact]
    public void Entries_without_a_Unix_mode_get_0644_files_and_0755_folders()
    {
        var result = StoreAndExtract(new ZipBuilder().Directory("sub", permissions: null).File("sub/bootstrap", "x", permissions: null).Build());

        Assert.Equal(Mode("644"), File.GetUnixFileMode(Path.Combine(result.Directory!, "sub", "bootstrap")));
        Assert.Equal(Mode("755"), File.GetUnixFileMode(Path.Combine(result.Directory!, "sub")));
    }

    [Fact]
    public void Setuid_setgid_and_sticky_bits_are_dropped()
    {
        var result = StoreAndExtract(new ZipBuilder().Raw("bootstrap", "x"u8.ToArray(), ZipBuilder.Octal("107755")).Build());
        Assert.Equal(Mode("755"), File.GetUnixFileMode(Path.Combine(result.Directory!, "bootstrap")));
    }

    [Fact]
    public void Read_only_folder_still_receives_its_entries()
    {
        var result = StoreAndExtract(new ZipBuilder().Directory("ro", "555").File("ro/a.txt", "a").Build());

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("a", File.ReadAllText(Path.Combine(result.Directory!, "ro", "a.txt")));
        Assert.Equal(Mode("555"), File.GetUnixFileMode(Path.Combine(result.Directory!, "ro")));
    }

    [Fact]
    public void Symlinks_are_kept_even_when_they_point_outside()
    {
        var result = StoreAndExtract(new ZipBuilder()
            .File("lib/real.so", "so", "755")
            .Symlink("lib/current.so", "real.so")
            .Symlink("passwd", "/etc/passwd")
            .Symlink("up", "../../elsewhere")
            .Build());

        Assert.True(result.Succeeded, result.Error?.Message);
        string dir = result.Directory!;
        Assert.Equal("real.so", new FileInfo(Path.Combine(dir, "lib", "current.so")).LinkTarget);
        Assert.Equal("so", File.ReadAllText(Path.Combine(dir, "lib", "current.so")));
        Assert.Equal("/etc/passwd", new FileInfo(Path.Combine(dir, "passwd")).LinkTarget);
        Assert.Equal("../../elsewhere", new FileInfo(Path.Combine(dir, "up")).LinkTarget);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/x")]
    [InlineData("a/..")]
    public void Names_that_escape_the_folder_are_refused(string name)
    {
        var result = StoreAndExtract(new ZipBuilder().File("ok.txt", "ok").File(name, "escaped").Build());

        Assert.Equal(CodeErrors.CorruptZip, result.Error);
        Assert.False(File.Exists(_data.Combine("x")));
        Assert.False(File.Exists(_data.Combine("code", "x")));
        Assert.Equal(["spool", "zips"], Directory.GetDirectories(_data.Combine("code")).Select(d => Path.GetFileName(d)!).Order().ToArray());
    }

    [Fact]
    public void Writing_through_an_earlier_symlink_is_refused()
    {
        string outside = _data.Combine("outside");
        Directory.CreateDirectory(outside);

        var result = StoreAndExtract(new ZipBuilder().Symlink("link", outside).File("link/x", "escaped").Build());

        Assert.Equal(CodeErrors.CorruptZip, result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public void Overwriting_an_earlier_symlink_with_a_file_is_refused()
    {
        string target = _data.Combine("target.txt");
        File.WriteAllText(target, "original");

        var result = StoreAndExtract(new ZipBuilder().Symlink("link", target).File("link", "overwritten").Build());

        Assert.Equal(CodeErrors.CorruptZip, result.Error);
        Assert.Equal("original", File.ReadAllText(target));
    }

    [Fact]
    public void Folder_entry_through_an_earlier_symlink_is_refused()
    {
        string outside = _data.Combine("outside");
        Directory.CreateDirectory(outside);

        var result = StoreAndExtract(new ZipBuilder().Symlink("link", outside).Directory("link/sub").Build());

        Assert.Equal(CodeErrors.CorruptZip, result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public void Same_sha_is_extracted_once_and_reused()
    {
        var store = new CodeStore(_data.Path);
        byte[] zip = new ZipBuilder().File("bootstrap", "#!/bin/sh\n", "755").File("data.txt", "12345").Build();
        var code = store.Store(Upload(store, zip));

        var first = store.Extract(code);
        Assert.True(first.Succeeded, first.Error?.Message);
        Assert.Equal(Path.Combine(store.Root, code.Sha256Hex), first.Directory);
        // A marker the second call would lose if it extracted again.
        File.WriteAllText(Path.Combine(first.Directory!, "marker"), "kept");

        var second = store.Extract(code.Sha256Hex);
        var afterRestart = new CodeStore(_data.Path).Extract(code.Sha256Hex);

        Assert.Equal(first.Directory, second.Directory);
        Assert.Equal(first.Directory, afterRestart.Directory);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(second.Directory!, "marker")));
        Assert.Equal(first.UnzippedSize, second.UnzippedSize);
        Assert.Equal(15, afterRestart.UnzippedSize);
    }

    [Fact]
    public void Half_written_extraction_from_a_crash_is_removed_on_start_and_never_reused()
    {
        var store = new CodeStore(_data.Path);
        byte[] zip = new ZipBuilder().File("bootstrap", "#!/bin/sh\n", "755").Build();
        var code = store.Store(Upload(store, zip));
        string crashed = Path.Combine(store.Root, ".extracting-" + code.Sha256Hex + "-dead");
        Directory.CreateDirectory(crashed);
        File.WriteAllText(Path.Combine(crashed, "half"), "");
        File.WriteAllText(Path.Combine(store.SpoolDirectory, "upload-old.zip"), "");

        var restarted = new CodeStore(_data.Path);
        var result = restarted.Extract(code);

        Assert.False(Directory.Exists(crashed));
        Assert.Empty(Directory.GetFiles(restarted.SpoolDirectory));
        Assert.True(File.Exists(Path.Combine(result.Directory!, "bootstrap")));
        Assert.False(File.Exists(Path.Combine(result.Directory!, "half")));
    }

    [Fact]
    public void Concurrent_extractions_of_one_zip_agree()
    {
        var store = new CodeStore(_data.Path);
        var files = new ZipBuilder();
        for (int i = 0; i < 200; i++)
        {
            files.File($"d{i % 7}/f{i}.txt", new string('x', i));
        }
        var code = store.Store(Upload(store, files.Build()));

        var results = Enumerable.Range(0, 4).AsParallel().Select(_ => store.Extract(code)).ToArray();

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Single(results.Select(r => r.Directory).Distinct());
        Assert.Equal(200, Directory.GetFiles(results[0].Directory!, "*", SearchOption.AllDirectories).Length);
        Assert.Empty(Directory.GetDirectories(store.Root, ".extracting-*"));
    }

    [Fact]
    public void Extract_refuses_a_name_that_is_not_a_hash()
    {
        var store = new CodeStore(_data.Path);
        Assert.Throws<ArgumentException>(() => store.Extract("../../etc"));
    }
}
