using System.Collections.Immutable;
using OrleansMl.Hosting;

namespace OrleansMl.Audit;

public sealed class AuditPageGrain(
    [PersistentState("auditpage", StorageNames.Grains)] IPersistentState<AuditPageState> state) : Grain, IAuditPageGrain
{
    private ImmutableArray<AuditEntry> Entries => state.RecordExists && !state.State.Entries.IsDefault ? state.State.Entries : [];

    public async Task AppendAsync(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Sequence / AuditLogGrain.PageSize != this.GetPrimaryKeyLong())
        {
            throw new ArgumentException($"Entry {entry.Sequence} belongs on page {entry.Sequence / AuditLogGrain.PageSize}.", nameof(entry));
        }

        if (Entries.Any(e => e.Sequence == entry.Sequence))
        {
            return;
        }

        var previous = state.State;
        state.State = new AuditPageState(Entries.Add(entry).Sort((a, b) => a.Sequence.CompareTo(b.Sequence)));
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous;
            DeactivateOnIdle();
            throw;
        }
    }

    public Task<ImmutableArray<AuditEntry>> ReadAsync() => Task.FromResult(Entries);
}
