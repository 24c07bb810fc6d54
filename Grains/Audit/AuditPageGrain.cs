using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Audit;

public sealed class AuditPageGrain(
    [PersistentState("auditpage", StorageNames.Grains)] IPersistentState<AuditPageState> state,
    ILogger<AuditPageGrain> logger) : Grain, IAuditPageGrain
{
    // What storage holds; reads use it, never state.State.
    private ImmutableArray<AuditEntry> _entries = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _entries = state.RecordExists && !state.State.Entries.IsDefault ? state.State.Entries : [];
        return Task.CompletedTask;
    }

    public async Task AppendAsync(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Sequence / AuditLogGrain.PageSize != this.GetPrimaryKeyLong())
        {
            throw new ArgumentException($"Entry {entry.Sequence} belongs on page {entry.Sequence / AuditLogGrain.PageSize}.", nameof(entry));
        }

        if (_entries.Any(e => e.Sequence == entry.Sequence))
        {
            return;
        }

        var next = _entries.Add(entry).Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        await state.CommitAsync(new AuditPageState(next), this, logger, $"audit page {this.GetPrimaryKeyLong()}");
        _entries = next;
    }

    public Task<ImmutableArray<AuditEntry>> ReadAsync() => Task.FromResult(_entries);
}
