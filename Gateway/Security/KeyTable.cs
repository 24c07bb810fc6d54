using System.Collections.Frozen;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;

namespace OrleansMl.Gateway.Security;

/// <summary>What a presented key turned out to be.</summary>
internal enum KeyStatus
{
    Valid,
    Unknown,
    Revoked,
    Expired,

    /// <summary>The stored keys are not known here yet, or not refreshed for too long: the key cannot be checked.</summary>
    Unavailable,
}

/// <summary>
/// The gateway's in-memory copy of the key registry plus the configured admin key. A request's key check is one
/// SHA-256 of the presented secret and one lookup here; <see cref="KeyTableRefresher"/> replaces the table when the
/// registry's revision changes.
/// </summary>
internal sealed class KeyTable
{
    /// <summary>How long the table may go without a successful refresh before stored keys are refused as unverifiable.</summary>
    public static readonly TimeSpan MaxStaleness = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _time;
    private readonly KeyHash? _adminHash;
    private readonly object _gate = new();
    private volatile Snapshot? _snapshot;

    public KeyTable(IOptions<AuthOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        if (options.Value.AdminKey is { Length: > 0 } admin)
        {
            _adminHash = KeyHash.Of(admin);
        }

        Admin = new CallerAccess("admin", "admin", ScopeSets.All, [], "the admin key", ApiKeyAuthenticationHandler.SchemeName);
    }

    /// <summary>The configured admin key's caller.</summary>
    public CallerAccess Admin { get; }

    /// <summary>The revision of the registry this table holds; -1 before the first load.</summary>
    public long Revision => _snapshot?.Revision ?? -1;

    public bool Loaded => _snapshot is not null;

    public KeyStatus Find(ReadOnlySpan<char> secret, out CallerAccess? access, out ApiKeyInfo? key)
    {
        access = null;
        key = null;
        if (secret.Length > AuthOptions.MaxCredentialLength)
        {
            return KeyStatus.Unknown;
        }

        var hash = KeyHash.Of(secret);
        if (_adminHash == hash)
        {
            access = Admin;
            return KeyStatus.Valid;
        }

        var snapshot = _snapshot;
        if (snapshot is null || _time.GetElapsedTime(snapshot.ConfirmedAt) > MaxStaleness)
        {
            return KeyStatus.Unavailable;
        }

        if (!snapshot.Keys.TryGetValue(hash, out var entry))
        {
            return KeyStatus.Unknown;
        }

        key = entry.Info;
        if (entry.Info.RevokedAt is not null)
        {
            return KeyStatus.Revoked;
        }

        if (entry.Info.ExpiresAt is { } expires && _time.GetUtcNow() >= expires)
        {
            return KeyStatus.Expired;
        }

        access = entry.Access;
        return KeyStatus.Valid;
    }

    /// <summary>Takes a newer table from the registry (an older one, from a slower concurrent refresh, is ignored).</summary>
    public void Apply(ApiKeyTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        lock (_gate)
        {
            if (_snapshot is { } current && current.Revision >= table.Revision)
            {
                _snapshot = current with { ConfirmedAt = _time.GetTimestamp() };
                return;
            }

            var keys = new Dictionary<KeyHash, Entry>();
            foreach (var entry in table.Keys)
            {
                if (KeyHash.TryParse(entry.SecretHash, out var hash))
                {
                    keys[hash] = new Entry(entry.Info, ToAccess(entry.Info));
                }
            }

            _snapshot = new Snapshot(table.Revision, keys.ToFrozenDictionary(), _time.GetTimestamp());
        }
    }

    /// <summary>Records that the registry still holds the revision this table has.</summary>
    public void Confirm()
    {
        lock (_gate)
        {
            if (_snapshot is { } current)
            {
                _snapshot = current with { ConfirmedAt = _time.GetTimestamp() };
            }
        }
    }

    private static CallerAccess ToAccess(ApiKeyInfo key) => new(
        key.Name,
        key.Id,
        ScopeSets.Parse(key.Scopes),
        key.Names.IsDefault ? ImmutableArray<string>.Empty : key.Names,
        $"API key '{key.Name}'",
        ApiKeyAuthenticationHandler.SchemeName);

    private sealed record Entry(ApiKeyInfo Info, CallerAccess Access);

    private sealed record Snapshot(long Revision, FrozenDictionary<KeyHash, Entry> Keys, long ConfirmedAt);
}
