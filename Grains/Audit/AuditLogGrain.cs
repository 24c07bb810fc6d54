using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Audit;

/// <summary>
/// The audit log's head: it numbers entries and keeps only the next number, while the entries live in
/// <see cref="IAuditPageGrain"/>s of <see cref="PageSize"/> each. Appending writes the head (reserving the number), then
/// the page; a page write that fails leaves a gap in the numbers, never a wrong entry. Reading walks pages from the
/// newest back.
/// </summary>
public sealed class AuditLogGrain(
    [PersistentState("audit", StorageNames.Grains)] IPersistentState<AuditLogState> state,
    TimeProvider time,
    ILogger<AuditLogGrain> logger) : Grain, IAuditLogGrain
{
    /// <summary>Entries per page: a page's state stays small (tens of KB), so appending to it stays cheap.</summary>
    public const int PageSize = 256;

    /// <summary>Pages one read may visit (a reader limited to a few names may skip many entries); the cursor continues.</summary>
    public const int MaxPagesPerRead = 40;

    // What storage holds; reads use it, never state.State.
    private long _nextSequence = 1;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _nextSequence = state.RecordExists ? state.State.NextSequence : 1;
        return Task.CompletedTask;
    }

    public async Task<AuditEntry> AppendAsync(AuditChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var sequence = _nextSequence;
        await state.CommitAsync(new AuditLogState(sequence + 1), this, logger, "the audit log");
        _nextSequence = sequence + 1;

        var entry = new AuditEntry(sequence, time.GetUtcNow(), change.By, change.Action, change.Target, change.From, change.To, change.Detail);
        await GrainFactory.GetGrain<IAuditPageGrain>(sequence / PageSize).AppendAsync(entry);
        return entry;
    }

    public async Task<AuditPage> ListAsync(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, IAuditLogGrain.MaxLimit);
        var highest = Math.Min(query.Before ?? long.MaxValue, _nextSequence) - 1;
        var found = new List<AuditEntry>(limit);
        for (var (page, visited) = (highest / PageSize, 0); highest >= 1 && page >= 0; page--, visited++)
        {
            if (visited == MaxPagesPerRead)
            {
                return new AuditPage([.. found], (page + 1) * PageSize);
            }

            var entries = await GrainFactory.GetGrain<IAuditPageGrain>(page).ReadAsync();
            for (var i = entries.Length - 1; i >= 0; i--)
            {
                var entry = entries[i];
                if (entry.Sequence > highest)
                {
                    continue;
                }

                if (query.Since is { } since && entry.At < since)
                {
                    return new AuditPage([.. found], null);
                }

                if (Visible(entry, query))
                {
                    found.Add(entry);
                    if (found.Count == limit)
                    {
                        return new AuditPage([.. found], entry.Sequence > 1 ? entry.Sequence : null);
                    }
                }
            }
        }

        return new AuditPage([.. found], null);
    }

    /// <summary>Key changes only for readers who may see keys; models and datasets within the reader's name patterns.</summary>
    private static bool Visible(AuditEntry entry, AuditQuery query)
    {
        var parts = entry.Target.Split('/', 3);
        if (parts[0] == "keys")
        {
            return query.IncludeKeys;
        }

        return query.Names.IsDefaultOrEmpty || (parts.Length > 1 && NamePatterns.MatchesAny(query.Names, parts[1]));
    }
}
