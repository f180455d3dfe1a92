using System.Collections.Concurrent;
using System.Text;

namespace Gateway.Environments.Sandbox;

/// <summary>
/// The <c>/etc/passwd</c> a worker sees in its mount namespace: the host's, plus an entry for the worker's own uid, as
/// AWS's execution environments have one for theirs (<c>sbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin</c>).
/// One file per uid in the run folder, written once per run and bound read-only over <c>/etc/passwd</c>.
/// </summary>
/// <remarks>
/// Why: a worker user (<see cref="Containment.WorkerUsers"/>) is only a number, and without an entry for it
/// <c>getpwuid</c> fails, so Node's <c>os.homedir()</c> and <c>os.userInfo()</c> throw (ENOENT: Lambda sets no HOME,
/// so it is the passwd entry they fall back to) and with them every client of the AWS SDK for JavaScript v3, which
/// looks for <c>~/.aws/config</c> when it is made; Python's <c>getpass.getuser()</c> and <c>pwd.getpwuid</c> fail the
/// same way. The home folder does not exist, as on AWS: only the name is needed. The files hold nothing the host's
/// /etc/passwd does not already show (mode 0644 in the run folder, which workers may enter but not list).
/// </remarks>
internal sealed class WorkerPasswd
{
    private readonly string _runDirectory;
    private readonly string _hostPasswd;
    private readonly ConcurrentDictionary<int, string> _files = new();

    public WorkerPasswd(string runDirectory, string hostPasswd = "/etc/passwd")
    {
        _runDirectory = runDirectory;
        _hostPasswd = hostPasswd;
    }

    /// <summary>The user name the worker's entry gives it.</summary>
    public static string UserName(int uid) => "sbx_user" + uid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The file to show as /etc/passwd to a worker running as <paramref name="uid"/>, written on first use and
    /// again when it is gone (a run folder under /tmp can be cleaned by systemd-tmpfiles while the gateway runs: a bind
    /// of a missing file would fail every start). The host's /etc/passwd is read when the file is written.</summary>
    public string FileFor(int uid)
    {
        if (_files.TryGetValue(uid, out var path) && File.Exists(path))
        {
            return path;
        }
        path = Write(uid);
        _files[uid] = path;
        return path;
    }

    /// <summary>The host's lines but any for <paramref name="uid"/> or its name, then the worker's entry.</summary>
    public static string Contents(string hostPasswd, int uid)
    {
        string own = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string name = UserName(uid);
        var text = new StringBuilder();
        foreach (var line in hostPasswd.Split('\n'))
        {
            var fields = line.Split(':');
            if (line.Length == 0 || fields[0] == name || (fields.Length > 2 && fields[2] == own))
            {
                continue;
            }
            text.Append(line).Append('\n');
        }
        return text.Append($"{name}:x:{own}:{own}::/home/{name}:/sbin/nologin\n").ToString();
    }

    private string Write(int uid)
    {
        string host = File.Exists(_hostPasswd) ? File.ReadAllText(_hostPasswd) : "root:x:0:0:root:/root:/bin/sh\n";
        var path = Path.Combine(_runDirectory, $"passwd-{uid}");
        SandboxFile.Replace(path, Contents(host, uid));
        return path;
    }
}
