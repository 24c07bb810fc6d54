namespace OrleansMl;

/// <summary>A key to create has an invalid name, scope, name pattern or expiry, a name already in use, or is one too many.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidApiKeyRequestException")]
public sealed class InvalidApiKeyRequestException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidApiKeyRequestException(string message) : base(message) { }
}
