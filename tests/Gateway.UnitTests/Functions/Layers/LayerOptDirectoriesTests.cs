using System.Security.Cryptography;
using Gateway.Functions.Code;
using Gateway.Functions.Layers;
using Gateway.UnitTests.Functions.Code;

namespace Gateway.UnitTests.Functions.Layers;

/// <summary>The merged /opt: layers extracted in order, a later layer's entry replacing an earlier one's.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LayerOptDirectoriesTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly CodeStore _store;
    private readonly LayerOptDirectories _opt;

    public LayerOptDirectoriesTests()
    {
        _store = new CodeStore(_data.Path);
        _opt = new LayerOptDirectories(_store);
    }

    public void Dispose() => _data.Dispose();

    private string Stored(ZipBuilder zip)
    {
        byte[] bytes = zip.Build();
        string path = Path.Combine(_store.SpoolDirectory, Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, bytes);
        return _store.Store(new UploadedZip(path, bytes.Length, SHA256.HashData(bytes))).Sha256Hex;
    }

    private string Merge(params string[] layers)
    {
        var result = _opt.Build(layers);
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Directory!;
    }

    [Fact]
    public void A_later_layer_wins_a_clash_and_every_layer_keeps_its_own_files()
    {
        var one = Stored(new ZipBuilder().File("shared.txt", "one").File("one.txt", "1").File("python/lib.py", "one").File(".hidden", "dot"));
        var two = Stored(new ZipBuilder().File("shared.txt", "two").File("two.txt", "2").File("python/lib.py", "two"));

        var ab = Merge(one, two);
        Assert.Equal("two", File.ReadAllText(Path.Combine(ab, "shared.txt")));
        Assert.Equal("two", File.ReadAllText(Path.Combine(ab, "python/lib.py")));
        Assert.Equal("1", File.ReadAllText(Path.Combine(ab, "one.txt")));
        Assert.Equal("2", File.ReadAllText(Path.Combine(ab, "two.txt")));
        Assert.Equal("dot", File.ReadAllText(Path.Combine(ab, ".hidden"))); // dotfiles are files like any other

        var ba = Merge(two, one);
        Assert.NotEqual(ab, ba);
        Assert.Equal("one", File.ReadAllText(Path.Combine(ba, "shared.txt")));
        Assert.Equal("one", File.ReadAllText(Path.Combine(ba, "python/lib.py")));
    }

    [Fact]
    public void One_list_is_one_folder_made_once()
    {
        var one = Stored(new ZipBuilder().File("a.txt", "a"));
        var first = Merge(one);
        File.WriteAllText(Path.Combine(first, "marker"), "kept");
        var second = Merge(one);
        Assert.Equal(first, second);
        Assert.True(File.Exists(Path.Combine(second, "marker"))); // reused, not rebuilt
        Assert.StartsWith(Path.Combine(_store.Root, "opt") + "/", first);
    }

    [Fact]
    public void Modes_are_kept_and_a_later_layer_sets_its_own()
    {
        var one = Stored(new ZipBuilder().File("bin/tool", "#!/bin/sh\n", "755").File("conf", "x", "600"));
        var two = Stored(new ZipBuilder().File("conf", "y", "644"));
        var merged = Merge(one, two);
        Assert.Equal((UnixFileMode)ZipBuilder.Octal("755"), File.GetUnixFileMode(Path.Combine(merged, "bin/tool")));
        Assert.Equal((UnixFileMode)ZipBuilder.Octal("644"), File.GetUnixFileMode(Path.Combine(merged, "conf")));
    }

    [Fact]
    public void A_symlink_is_replaced_never_written_through()
    {
        var outside = _data.Combine("outside");
        Directory.CreateDirectory(outside);
        var one = Stored(new ZipBuilder().Symlink("lib", outside).Symlink("link.txt", "/etc/hostname"));
        var two = Stored(new ZipBuilder().File("lib/evil.so", "x").File("link.txt", "plain"));
        var merged = Merge(one, two);

        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Null(new DirectoryInfo(Path.Combine(merged, "lib")).LinkTarget);
        Assert.Equal("x", File.ReadAllText(Path.Combine(merged, "lib/evil.so")));
        Assert.Null(new FileInfo(Path.Combine(merged, "link.txt")).LinkTarget);
        Assert.Equal("plain", File.ReadAllText(Path.Combine(merged, "link.txt")));

        // The other way: a later symlink replaces an earlier file, and is kept as a symlink.
        var reversed = Merge(two, one);
        Assert.Equal(outside, new DirectoryInfo(Path.Combine(reversed, "lib")).LinkTarget);
        Assert.Equal("/etc/hostname", new FileInfo(Path.Combine(reversed, "link.txt")).LinkTarget);
    }

    [Fact]
    public void A_file_replaces_a_folder_and_a_folder_replaces_a_file()
    {
        var one = Stored(new ZipBuilder().Directory("node_modules", "555").File("node_modules/a.js", "a").File("thing", "file"));
        var two = Stored(new ZipBuilder().File("node_modules", "now a file").File("thing/inside.txt", "folder"));
        var merged = Merge(one, two);
        Assert.Equal("now a file", File.ReadAllText(Path.Combine(merged, "node_modules")));
        Assert.Equal("folder", File.ReadAllText(Path.Combine(merged, "thing/inside.txt")));
    }

    [Fact]
    public void A_read_only_folder_of_an_earlier_layer_still_takes_a_later_layers_files()
    {
        var one = Stored(new ZipBuilder().Directory("python", "555").File("python/a.py", "a"));
        var two = Stored(new ZipBuilder().File("python/b.py", "b"));
        var merged = Merge(one, two);
        Assert.Equal("b", File.ReadAllText(Path.Combine(merged, "python/b.py")));
        Assert.Equal("a", File.ReadAllText(Path.Combine(merged, "python/a.py")));
    }
}
