using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Listening;

/// <summary>
/// Loads the HTTPS server certificate named by --https-certificate: a PEM certificate with its key beside it (or in
/// the same file), or a PKCS#12 file. A problem is one sentence naming the file, for a start-up refusal, never a
/// stack trace: a typo in a path must stop the start, not leave the gateway serving without the HTTPS it was asked for.
/// </summary>
internal static class HttpsCertificateFile
{
    public static X509Certificate2? Load(string certificatePath, string? keyPath, string? password, out string? error)
    {
        error = null;
        string currentFile = certificatePath;
        try
        {
            if (!File.Exists(certificatePath))
            {
                error = $"--https-certificate: no such file '{certificatePath}'.";
                return null;
            }
            if (keyPath is not null && !File.Exists(keyPath))
            {
                error = $"--https-certificate-key: no such file '{keyPath}'.";
                return null;
            }
            X509Certificate2 certificate;
            if (keyPath is not null || IsPem(certificatePath))
            {
                // CreateFromPemFile reads the key from the certificate file itself when no key file is given.
                currentFile = keyPath ?? certificatePath;
                certificate = string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);
            }
            else
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password);
            }
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                error = $"--https-certificate: '{certificatePath}' has no private key (give --https-certificate-key, or a PKCS#12 file with the key).";
                return null;
            }
            return certificate;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            error = $"--https-certificate: cannot load '{currentFile}': {ex.Message}";
            return null;
        }
    }

    /// <summary>PEM is text starting (after any comment lines) with a "-----BEGIN" armour line; PKCS#12 is binary DER.</summary>
    private static bool IsPem(string path)
    {
        Span<byte> head = stackalloc byte[4096];
        using var file = File.OpenRead(path);
        int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..read].IndexOf("-----BEGIN "u8) >= 0;
    }
}
