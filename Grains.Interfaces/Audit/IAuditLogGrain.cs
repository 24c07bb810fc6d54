using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The audit log: every change with who made it, append-only, newest first when read. One instance, key
/// <see cref="Key"/>, which numbers the entries; they are kept in pages of bounded size, so no grain state grows
/// without bound.
/// </summary>
[Alias("OrleansMl.IAuditLogGrain")]
public interface IAuditLogGrain : IGrainWithStringKey
{
    /// <summary>The key of the single log.</summary>
    const string Key = "audit";

    /// <summary>The most entries one read returns.</summary>
    const int MaxLimit = 500;

    /// <summary>Records a change; returns its entry.</summary>
    [Alias("Append")]
    Task<AuditEntry> AppendAsync(AuditChange change);

    /// <summary>Reads entries newest first.</summary>
    [Alias("List"), AlwaysInterleave]
    Task<AuditPage> ListAsync(AuditQuery query);
}
