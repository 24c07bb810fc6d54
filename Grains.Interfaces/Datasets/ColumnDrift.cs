using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// The drift of one column between two dataset versions. <see cref="Bins"/>, <see cref="AgainstShares"/> and
/// <see cref="Shares"/> line up: the reference's bins (decile ranges of a numeric column, its top categories then
/// "(other)", "false"/"true" for booleans), and last "(missing)" for cells without a value; each share is that bin's
/// fraction of the side's rows, so a chart can draw both distributions side by side.
/// </summary>
/// <param name="Column">Column name.</param>
/// <param name="Kind">The column's kind in the measured version (in the reference when the column was removed).</param>
/// <param name="Psi">Population stability index; null when the column was not measured (see <paramref name="Status"/>).
/// Under 0.1 is usually read as stable, over 0.2 as a shift worth acting on.</param>
/// <param name="Status">Whether the column was measured, or why not.</param>
/// <param name="AgainstKind">The column's kind in the reference version; null when it was added.</param>
/// <param name="Bins">Bin labels; empty when not measured.</param>
/// <param name="AgainstShares">Share of the reference version's rows per bin.</param>
/// <param name="Shares">Share of the measured version's rows per bin.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ColumnDrift")]
public sealed record ColumnDrift(
    [property: Id(0)] string Column,
    [property: Id(1)] ColumnKind Kind,
    [property: Id(2)] double? Psi,
    [property: Id(3)] DriftStatus Status,
    [property: Id(4)] ColumnKind? AgainstKind,
    [property: Id(5)] ImmutableArray<string> Bins,
    [property: Id(6)] ImmutableArray<double> AgainstShares,
    [property: Id(7)] ImmutableArray<double> Shares);
