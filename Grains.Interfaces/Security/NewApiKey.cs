using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A key to create. The caller makes the secret and sends only its hash, so the secret never reaches a silo.</summary>
/// <param name="Name">A name for people and the audit log (1–64 ASCII letters, digits, '.', '_', '-').</param>
/// <param name="Scopes">At least one of <see cref="OrleansMl.Scopes.All"/>.</param>
/// <param name="Names">Model and dataset name patterns (<see cref="NamePatterns"/>); empty for every name.</param>
/// <param name="ExpiresAt">When the key stops working (in the future); null for never.</param>
/// <param name="SecretHash">SHA-256 of the secret's UTF-8 bytes, 64 hex digits.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.NewApiKey")]
public sealed record NewApiKey(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> Scopes,
    [property: Id(2)] ImmutableArray<string> Names,
    [property: Id(3)] DateTimeOffset? ExpiresAt,
    [property: Id(4)] string SecretHash);
