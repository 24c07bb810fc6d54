using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Security;

/// <summary>
/// The gateways' shared data-protection key ring, stored with the other grain state (SQLite in embedded mode,
/// PostgreSQL in a cluster). Keys are only ever added (the data-protection system revokes a key by adding an element);
/// the oldest beyond <see cref="IDataProtectionKeyRingGrain.MaxKeys"/> are dropped so the state stays bounded.
/// </summary>
public sealed class DataProtectionKeyRingGrain(
    [PersistentState("keyring", StorageNames.Grains)] IPersistentState<DataProtectionKeyRingState> state,
    ILogger<DataProtectionKeyRingGrain> logger) : Grain, IDataProtectionKeyRingGrain
{
    // What storage holds; reads use it, never state.State.
    private DataProtectionKeyRingState _committed = DataProtectionKeyRingState.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State : DataProtectionKeyRingState.Empty;
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<string>> GetAllAsync() => Task.FromResult(_committed.Keys.Select(k => k.Element).ToImmutableArray());

    public async Task AddAsync(string name, string element)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 256)
        {
            throw new ArgumentException("A data-protection key needs a name of 1-256 characters.", nameof(name));
        }

        if (string.IsNullOrWhiteSpace(element) || element.Length > IDataProtectionKeyRingGrain.MaxElementLength)
        {
            throw new ArgumentException($"A data-protection key element must have 1-{IDataProtectionKeyRingGrain.MaxElementLength} characters.", nameof(element));
        }

        if (_committed.Keys.Any(k => k.Name == name))
        {
            return;
        }

        var keys = _committed.Keys.Add(new DataProtectionKeyElement(name, element));
        if (keys.Length > IDataProtectionKeyRingGrain.MaxKeys)
        {
            keys = keys.RemoveRange(0, keys.Length - IDataProtectionKeyRingGrain.MaxKeys);
        }

        var next = new DataProtectionKeyRingState(keys);
        await state.CommitAsync(next, this, logger, "the data-protection key ring");
        _committed = next;
    }
}
