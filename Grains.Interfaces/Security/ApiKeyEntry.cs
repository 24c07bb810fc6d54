namespace OrleansMl;

/// <summary>A key as gateways check it: its listing and the SHA-256 of its secret.</summary>
/// <param name="Info">The key.</param>
/// <param name="SecretHash">SHA-256 of the secret's UTF-8 bytes, 64 lower-case hex digits.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ApiKeyEntry")]
public sealed record ApiKeyEntry(
    [property: Id(0)] ApiKeyInfo Info,
    [property: Id(1)] string SecretHash);
