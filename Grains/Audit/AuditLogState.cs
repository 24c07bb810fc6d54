namespace OrleansMl.Audit;

[GenerateSerializer, Immutable, Alias("OrleansMl.AuditLogState")]
public sealed record AuditLogState([property: Id(0)] long NextSequence);
