using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl.Audit;

/// <summary>
/// One page of the audit log: the entries whose sequence divided by <see cref="AuditLogGrain.PageSize"/> is this grain's
/// key, so a page never holds more than that many.
/// </summary>
[Alias("OrleansMl.IAuditPageGrain")]
public interface IAuditPageGrain : IGrainWithIntegerKey
{
    /// <summary>Adds an entry (again: no change).</summary>
    [Alias("Append")]
    Task AppendAsync(AuditEntry entry);

    /// <summary>The entries, oldest first.</summary>
    [Alias("Read"), ReadOnly]
    Task<ImmutableArray<AuditEntry>> ReadAsync();
}
