using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>Which entries to read, newest first.</summary>
/// <param name="Since">Only entries recorded at or after this time; null for all.</param>
/// <param name="Before">Only entries with a lower sequence (the cursor of the previous page); null to start at the newest.</param>
/// <param name="Limit">At most this many entries (1–500).</param>
/// <param name="Names">Model and dataset name patterns the reader is limited to; empty for every name.</param>
/// <param name="IncludeKeys">Whether key changes are shown (to admins only).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.AuditQuery")]
public sealed record AuditQuery(
    [property: Id(0)] DateTimeOffset? Since,
    [property: Id(1)] long? Before,
    [property: Id(2)] int Limit,
    [property: Id(3)] ImmutableArray<string> Names,
    [property: Id(4)] bool IncludeKeys);
