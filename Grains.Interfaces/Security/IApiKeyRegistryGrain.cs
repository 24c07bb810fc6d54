using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The API keys of the cluster, stored as hashes of their secrets. One instance, key <see cref="Key"/>. Gateways keep
/// the table in memory and poll <see cref="GetTableAsync"/> by revision, so checking a key never calls this grain.
/// </summary>
[Alias("OrleansMl.IApiKeyRegistryGrain")]
public interface IApiKeyRegistryGrain : IGrainWithStringKey
{
    /// <summary>The key of the single registry.</summary>
    const string Key = "keys";

    /// <summary>Adds a key; <see cref="Caller.Name"/> is recorded as its creator.</summary>
    /// <exception cref="InvalidApiKeyRequestException">A field is invalid, the name is taken, or there are too many keys.</exception>
    [Alias("Create")]
    Task<ApiKeyInfo> CreateAsync(NewApiKey key);

    /// <summary>Every key (valid, expired, and revoked within the retention period), oldest first.</summary>
    [Alias("List"), ReadOnly]
    Task<ImmutableArray<ApiKeyInfo>> ListAsync();

    /// <summary>Revokes a key; revoking it again returns it unchanged.</summary>
    /// <exception cref="ApiKeyNotFoundException">No key has this id.</exception>
    [Alias("Revoke")]
    Task<ApiKeyInfo> RevokeAsync(string id);

    /// <summary>The whole table when its revision differs from <paramref name="knownRevision"/>, else null (a cheap poll).</summary>
    [Alias("GetTable"), ReadOnly]
    Task<ApiKeyTable?> GetTableAsync(long knownRevision);
}
