using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Gateway.Listening;

/// <summary>
/// An address Kestrel could not bind as the host started (Program.cs), as one line: which address, the OS's reason and
/// the option that sets it. A port another process listens on is the usual one; an address that is not this machine's
/// (EADDRNOTAVAIL) or a port below 1024 without the right (EACCES) come the same way. Every listener the gateway opens on
/// a port comes from --urls and --https (the dashboard, /metrics, the management API and function URLs share them; the
/// Runtime API listens on Unix sockets and ports the kernel picks), so those two options are the ones to change.
/// </summary>
internal static class ListenFailure
{
    /// <summary>The line for a bind failure, or null when <paramref name="ex"/> is not one.</summary>
    public static string? Describe(Exception ex, string urls, string? https)
    {
        SocketException? socket = null;
        bool inUse = false;
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            inUse |= e is AddressInUseException;
            socket ??= e as SocketException;
        }
        if (!inUse && socket is null)
        {
            return null;
        }
        // Kestrel names the address only when it is in use ("Failed to bind to address http://127.0.0.1:9000: address
        // already in use."); otherwise every address it was given is named.
        const string Prefix = "Failed to bind to address ";
        string? address = ex.Message.StartsWith(Prefix, StringComparison.Ordinal) && ex.Message.IndexOf(": ", Prefix.Length, StringComparison.Ordinal) is > 0 and var end
            ? ex.Message[Prefix.Length..end]
            : null;
        bool withHttps = !string.IsNullOrWhiteSpace(https);
        var given = urls.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (withHttps)
        {
            given.Add(https!.Contains("://", StringComparison.Ordinal) ? https.Trim() : "https://" + https.Trim());
        }
        string addresses = address ?? (given.Count == 1 ? given[0] : "one of " + string.Join(", ", given));
        string option = address is null ? (withHttps ? "--urls and --https" : "--urls")
            : withHttps && address.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "--https" : "--urls";
        return inUse
            ? $"cannot listen on {addresses}: the address is already in use (another process, perhaps another gateway, listens there); stop it, or give the gateway a free port with {option}"
            : $"cannot listen on {addresses}: {socket!.Message}; give the gateway an address of this machine it may listen on with {option}";
    }
}
