using System.Buffers.Text;
using System.Security.Cryptography;

namespace OrleansMl.Gateway.Security;

/// <summary>New API key secrets: <c>oml_</c> and 256 random bits in base64url (47 characters).</summary>
internal static class KeySecrets
{
    public const string Prefix = "oml_";

    public static string New()
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        return Prefix + Base64Url.EncodeToString(random);
    }
}
