using Gateway.Environments.Containment;
using Gateway.Functions;

namespace Gateway.UnitTests.Environments.Containment;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorkerUsersTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("gateway-users-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static FunctionDefinition Function(string name, string code) =>
        new() { Name = name, Arn = "arn:aws:lambda:us-east-1:000000000000:function:" + name, CodeDirectory = code, Bootstrap = "bootstrap", Handler = "h" };

    [Fact]
    public void Every_function_gets_its_own_uid_in_the_range_and_keeps_it()
    {
        var users = new WorkerUsers(200000, _data);
        var uids = Enumerable.Range(0, 2000).Select(i => users.UidOf("f" + i)).ToList();

        Assert.Equal(uids.Count, uids.Distinct().Count()); // collisions of the hash move on to a free uid
        Assert.All(uids, uid => Assert.InRange(uid, 200000, 200000 + WorkerUsers.RangeSize - 1));
        Assert.Equal(uids[7], users.UidOf("f7"));
    }

    [Fact]
    public void A_code_folder_in_the_data_folder_is_gated_to_a_group_a_folder_outside_is_left_alone()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return; // chown needs root (the gateway only gates as root)
        }
        var code = Directory.CreateDirectory(Path.Combine(_data, "code", "abc")).FullName;
        var outside = Directory.CreateTempSubdirectory("gateway-outside-").FullName;
        try
        {
            var users = new WorkerUsers(200000, _data);
            var function = Function("f", code);

            var (uid, gids) = users.For(function, [code, outside, null]);

            Assert.Equal(uid, gids[0]);
            Assert.Equal(2, gids.Length); // its own group and the code's gate; nothing for the outside folder
            Assert.InRange(gids[1], 200000 + WorkerUsers.RangeSize, 200000 + 2 * WorkerUsers.RangeSize - 1);
            Assert.Equal((UnixFileMode)0b111_101_000, File.GetUnixFileMode(code));
            Assert.Equal((UnixFileMode)0b111_101_101 & File.GetUnixFileMode(outside), File.GetUnixFileMode(outside));
            // A second function with the same content gets the same gate.
            Assert.Equal(gids[1], users.For(Function("g", code), [code]).Gids[1]);
        }
        finally
        {
            Directory.Delete(outside);
        }
    }
}
