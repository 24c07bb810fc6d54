using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// How far one dataset version's columns have moved from another's: the population stability index (PSI) of each
/// column, with the newer version counted in the bins of the reference version's stored histograms.
/// </summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Version">The version measured.</param>
/// <param name="Against">The reference version (its histograms define the bins).</param>
/// <param name="Columns">Every column of either version: the reference's in its order, then those only the measured version has.</param>
/// <param name="MaxPsi">The largest PSI of any measured column; null when no column could be measured.</param>
/// <param name="MaxColumn">The column with <paramref name="MaxPsi"/>.</param>
/// <param name="Rows">Rows of the measured version.</param>
/// <param name="AgainstRows">Rows of the reference version.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetDrift")]
public sealed record DatasetDrift(
    [property: Id(0)] string Dataset,
    [property: Id(1)] int Version,
    [property: Id(2)] int Against,
    [property: Id(3)] ImmutableArray<ColumnDrift> Columns,
    [property: Id(4)] double? MaxPsi,
    [property: Id(5)] string? MaxColumn,
    [property: Id(6)] long Rows = 0,
    [property: Id(7)] long AgainstRows = 0)
{
    /// <summary>
    /// Passed as <c>against</c> to <see cref="IDatasetGrain.GetDriftAsync"/>: measure against the newest live version
    /// older than the one measured.
    /// </summary>
    public const int PreviousVersion = 0;
}
