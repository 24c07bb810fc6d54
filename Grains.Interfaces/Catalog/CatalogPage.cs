using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>One page of a listing.</summary>
/// <param name="Items">The items, sorted by name (ordinal).</param>
/// <param name="NextCursor">Pass it as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record CatalogPage<T>(ImmutableArray<T> Items, string? NextCursor);
