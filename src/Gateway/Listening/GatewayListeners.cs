using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Listening;

/// <summary>
/// Where the gateway listens and which HTTP versions each address speaks. Plain http:// addresses speak HTTP/1.1 only,
/// as before: h2c (HTTP/2 without TLS) is not offered, because no client reaches a Lambda endpoint that way and an
/// HTTP/1.1 listener that also accepted the h2 preface would only add a way to be misparsed. https:// addresses (--https,
/// or https:// in --urls) speak HTTP/1.1 and HTTP/2, chosen by ALPN in the TLS handshake, for everything served: the
/// Invoke API, the management API and function URLs alike.
/// Without HTTPS the host binds --urls itself, unchanged; with it every address is bound here (an explicit listen
/// replaces the host's --urls binding), so the addresses are parsed here and a bad one is refused at start.
/// </summary>
internal sealed class GatewayListeners
{
    private readonly List<BindingAddress> _addresses;
    private readonly X509Certificate2? _certificate;

    private GatewayListeners(List<BindingAddress> addresses, X509Certificate2? certificate)
    {
        _addresses = addresses;
        _certificate = certificate;
    }

    /// <summary>Whether any address is https:// (then <see cref="Listen"/> binds them all).</summary>
    public bool ServesHttps => _certificate is not null;

    /// <summary>The addresses from --urls and --https, and the certificate when one is needed; null and an error
    /// sentence when they do not fit together (an https address without a certificate, or the reverse).</summary>
    public static GatewayListeners? Plan(string urls, GatewayOptions options, out string? error)
    {
        error = null;
        var addresses = new List<BindingAddress>();
        var texts = urls.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!string.IsNullOrWhiteSpace(options.Https))
        {
            string https = options.Https.Trim();
            texts.Add(https.Contains("://", StringComparison.Ordinal) ? https : "https://" + https);
        }
        foreach (string text in texts)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(text);
            }
            catch (FormatException)
            {
                error = $"'{text}' is not an address to listen on (http://HOST:PORT or https://HOST:PORT).";
                return null;
            }
            if (address.Scheme is not ("http" or "https"))
            {
                error = $"'{text}': only http:// and https:// addresses are served.";
                return null;
            }
            addresses.Add(address);
        }
        bool anyHttps = addresses.Any(a => a.Scheme == "https");
        if (!anyHttps)
        {
            if (!string.IsNullOrEmpty(options.HttpsCertificate))
            {
                error = "--https-certificate is given but no address serves HTTPS: add --https ADDRESS (or an https:// address in --urls).";
                return null;
            }
            return new GatewayListeners(addresses, null);
        }
        if (string.IsNullOrEmpty(options.HttpsCertificate))
        {
            error = "HTTPS needs a certificate: give --https-certificate FILE (scripts/make-dev-cert.sh makes a development one).";
            return null;
        }
        foreach (var address in addresses.Where(a => !a.IsUnixPipe))
        {
            if (address.Host is not ("localhost" or "*" or "+") && !IPAddress.TryParse(address.Host, out _))
            {
                error = $"'{address}': listen on an IP address, localhost or * (a host name is not bound to an interface).";
                return null;
            }
        }
        var certificate = HttpsCertificateFile.Load(options.HttpsCertificate, NullIfEmpty(options.HttpsCertificateKey), NullIfEmpty(options.HttpsCertificatePassword), out error);
        return certificate is null ? null : new GatewayListeners(addresses, certificate);
    }

    /// <summary>Binds every address (only called when <see cref="ServesHttps"/>).</summary>
    public void Listen(KestrelServerOptions kestrel)
    {
        foreach (var address in _addresses)
        {
            bool tls = address.Scheme == "https";
            Action<ListenOptions> configure = listen =>
            {
                if (tls)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(_certificate!);
                }
                else
                {
                    listen.Protocols = HttpProtocols.Http1;
                }
            };
            if (address.IsUnixPipe)
            {
                kestrel.ListenUnixSocket(address.UnixPipePath, configure);
            }
            else if (address.Host == "localhost")
            {
                kestrel.ListenLocalhost(address.Port, configure);
            }
            else if (address.Host is "*" or "+")
            {
                kestrel.ListenAnyIP(address.Port, configure);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(address.Host), address.Port, configure);
            }
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
