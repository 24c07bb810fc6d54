using System.Collections.Immutable;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OrleansMl.Audit;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Security;

/// <summary>
/// The cluster's API keys. Only the SHA-256 of each secret is stored: secrets are 256 random bits, so a fast hash is
/// the right one (a slow password hash protects guessable secrets; nothing can guess these, and a key check must stay
/// a hash-table lookup on the hot path).
/// </summary>
public sealed class ApiKeyRegistryGrain(
    [PersistentState("keys", StorageNames.Grains)] IPersistentState<ApiKeyRegistryState> state,
    TimeProvider time,
    ILogger<ApiKeyRegistryGrain> logger) : Grain, IApiKeyRegistryGrain
{
    /// <summary>Keys that are neither revoked nor expired, at most.</summary>
    public const int MaxValidKeys = 1000;

    /// <summary>How long a revoked or expired key stays listed (and recognised, to say why it is refused).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    // What storage holds; reads use it, never state.State.
    private ApiKeyRegistryState _committed = ApiKeyRegistryState.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State : ApiKeyRegistryState.Empty;
        return Task.CompletedTask;
    }

    public async Task<ApiKeyInfo> CreateAsync(NewApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var now = time.GetUtcNow();
        var name = Invalid(Names.IsValid(key.Name), $"Invalid key name '{Names.Shown(key.Name)}': use 1-{Names.MaxLength} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.", key.Name);
        var scopes = ValidScopes(key.Scopes);
        var patterns = ValidPatterns(key.Names);
        if (key.ExpiresAt is { } expires && expires <= now)
        {
            throw new InvalidApiKeyRequestException($"expiresAt {expires:O} is not in the future; omit it for a key that does not expire.");
        }

        var hash = key.SecretHash?.ToLowerInvariant() ?? string.Empty;
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new InvalidApiKeyRequestException("secretHash must be the SHA-256 of the secret as 64 hex digits.");
        }

        var current = Prune(_committed, now);
        var valid = current.Keys.Where(k => IsValid(k.Info, now)).ToList();
        if (valid.Find(k => k.Info.Name == name) is { } taken)
        {
            throw new InvalidApiKeyRequestException($"A key named '{name}' already exists ({taken.Info.Id}); revoke it first or choose another name.");
        }

        if (valid.Count >= MaxValidKeys)
        {
            throw new InvalidApiKeyRequestException($"There are already {MaxValidKeys} valid keys, the most allowed; revoke unused keys first.");
        }

        if (current.Keys.Any(k => k.SecretHash == hash))
        {
            throw new InvalidApiKeyRequestException("A key with this secret already exists; create the key again for a new secret.");
        }

        var info = new ApiKeyInfo(NewId(), name, scopes, patterns, key.ExpiresAt, now, Caller.Name);
        await UpdateStateAsync(current with { Keys = current.Keys.Add(new ApiKeyEntry(info, hash)) });
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.KeyCreated, $"keys/{info.Id}", to: info.Name,
            detail: $"scopes {string.Join(" ", info.Scopes)}{(info.Names.IsEmpty ? string.Empty : $"; names {string.Join(" ", info.Names)}")}"
                + (info.ExpiresAt is { } until ? $"; expires {until:u}" : string.Empty));
        return info;
    }

    public Task<ImmutableArray<ApiKeyInfo>> ListAsync() => Task.FromResult(_committed.Keys.Select(k => k.Info).ToImmutableArray());

    public async Task<ApiKeyInfo> RevokeAsync(string id)
    {
        var current = _committed;
        var index = current.Keys.Select(k => k.Info.Id).ToList().IndexOf(id);
        if (index < 0)
        {
            throw new ApiKeyNotFoundException($"There is no key '{Names.Shown(id)}'. GET /api/keys lists the keys and their ids.");
        }

        var entry = current.Keys[index];
        if (entry.Info.RevokedAt is not null)
        {
            return entry.Info;
        }

        var revoked = entry with { Info = entry.Info with { RevokedAt = time.GetUtcNow(), RevokedBy = Caller.Name } };
        await UpdateStateAsync(current with { Keys = current.Keys.SetItem(index, revoked) });
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.KeyRevoked, $"keys/{id}", from: "valid", to: "revoked", detail: entry.Info.Name);
        return revoked.Info;
    }

    public Task<ApiKeyTable?> GetTableAsync(long knownRevision)
    {
        var current = _committed;
        return Task.FromResult(current.Revision == knownRevision ? null : new ApiKeyTable(current.Revision, current.Keys));
    }

    private static bool IsValid(ApiKeyInfo key, DateTimeOffset now) => key.RevokedAt is null && (key.ExpiresAt is not { } e || e > now);

    /// <summary>Forgets keys revoked or expired longer than <see cref="Retention"/> ago (on writes only, so a read never changes state).</summary>
    private static ApiKeyRegistryState Prune(ApiKeyRegistryState current, DateTimeOffset now)
    {
        var cutoff = now - Retention;
        var kept = current.Keys.RemoveAll(k => (k.Info.RevokedAt ?? k.Info.ExpiresAt) is { } ended && ended < cutoff);
        return kept.Length == current.Keys.Length ? current : current with { Keys = kept };
    }

    private static ImmutableArray<string> ValidScopes(ImmutableArray<string> requested)
    {
        if (requested.IsDefaultOrEmpty)
        {
            throw new InvalidApiKeyRequestException($"scopes is required: one or more of {string.Join(", ", Scopes.All)}.");
        }

        foreach (var scope in requested)
        {
            Invalid(Scopes.IsValid(scope), $"Unknown scope '{Names.Shown(scope)}': use {string.Join(", ", Scopes.All)}.", scope);
        }

        return Scopes.All.Where(requested.Contains).ToImmutableArray();
    }

    private static ImmutableArray<string> ValidPatterns(ImmutableArray<string> requested)
    {
        if (requested.IsDefaultOrEmpty)
        {
            return [];
        }

        if (requested.Length > 100)
        {
            throw new InvalidApiKeyRequestException($"names has {requested.Length} patterns; at most 100 are allowed.");
        }

        foreach (var pattern in requested)
        {
            Invalid(NamePatterns.IsValid(pattern),
                $"Invalid name pattern '{Names.Shown(pattern)}': use 1-64 ASCII letters, digits, '.', '_', '-' and '*' (any run of characters), e.g. 'fraud-*'.", pattern);
        }

        return requested.Distinct(StringComparer.Ordinal).ToImmutableArray();
    }

    private static string Invalid(bool valid, string message, string? value) =>
        valid ? value! : throw new InvalidApiKeyRequestException(message);

    private static string NewId() => "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private async Task UpdateStateAsync(ApiKeyRegistryState next)
    {
        next = next with { Revision = _committed.Revision + 1 };
        await state.CommitAsync(next, this, logger, "the API key registry");
        _committed = next;
    }
}
