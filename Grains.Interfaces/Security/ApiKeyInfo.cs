using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>An API key as listed: everything but the secret, which is shown once when the key is created and never stored.</summary>
/// <param name="Id">The key's id (<c>key_</c> and 16 hex digits), used to revoke it.</param>
/// <param name="Name">A name for people and the audit log, unique among the keys that are not revoked.</param>
/// <param name="Scopes">What the key may do (<see cref="OrleansMl.Scopes"/>).</param>
/// <param name="Names">Model and dataset name patterns the key is limited to; empty means every name.</param>
/// <param name="ExpiresAt">When the key stops working; null means never.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="CreatedBy">Who created it (a key name or token subject; null for an anonymous local caller).</param>
/// <param name="RevokedAt">When it was revoked; null while it is valid.</param>
/// <param name="RevokedBy">Who revoked it.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ApiKeyInfo")]
public sealed record ApiKeyInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableArray<string> Scopes,
    [property: Id(3)] ImmutableArray<string> Names,
    [property: Id(4)] DateTimeOffset? ExpiresAt,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] string? CreatedBy,
    [property: Id(7)] DateTimeOffset? RevokedAt = null,
    [property: Id(8)] string? RevokedBy = null);
