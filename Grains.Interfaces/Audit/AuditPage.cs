using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A page of the audit log, newest first.</summary>
/// <param name="Entries">The entries.</param>
/// <param name="Next">The cursor of the next (older) page; null when there is none.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AuditPage")]
public sealed record AuditPage(
    [property: Id(0)] ImmutableArray<AuditEntry> Entries,
    [property: Id(1)] long? Next);
