using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OrleansMl.Gateway.Security;

/// <summary>The SHA-256 of a secret, as four words: a dictionary key that hashes and compares without allocating.</summary>
internal readonly record struct KeyHash(ulong A, ulong B, ulong C, ulong D)
{
    /// <summary>SHA-256 of the secret's UTF-8 bytes, computed on the stack.</summary>
    public static KeyHash Of(ReadOnlySpan<char> secret)
    {
        if (secret.Length > AuthOptions.MaxCredentialLength)
        {
            throw new ArgumentException($"A credential is at most {AuthOptions.MaxCredentialLength} characters.", nameof(secret));
        }

        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(secret.Length)];
        var length = Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return FromBytes(hash);
    }

    /// <summary>Reads 64 hex digits, as the key registry stores them.</summary>
    public static bool TryParse(string? hex, out KeyHash hash)
    {
        hash = default;
        if (hex is not { Length: SHA256.HashSizeInBytes * 2 })
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[SHA256.HashSizeInBytes];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != bytes.Length)
        {
            return false;
        }

        hash = FromBytes(bytes);
        return true;
    }

    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[SHA256.HashSizeInBytes];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, A);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], D);
        return Convert.ToHexStringLower(bytes);
    }

    private static KeyHash FromBytes(ReadOnlySpan<byte> hash) => new(
        BinaryPrimitives.ReadUInt64BigEndian(hash),
        BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));
}
