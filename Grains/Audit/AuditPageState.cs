using System.Collections.Immutable;

namespace OrleansMl.Audit;

[GenerateSerializer, Immutable, Alias("OrleansMl.AuditPageState")]
public sealed record AuditPageState([property: Id(0)] ImmutableArray<AuditEntry> Entries);
