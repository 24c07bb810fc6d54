using System.Collections.Immutable;

namespace OrleansMl.Ml;

/// <summary>
/// A parsed dataset version held column by column: numbers as <c>float[]</c> (NaN = missing), strings as
/// dictionary codes. Immutable once built, so one instance can be shared by concurrent trainings.
/// </summary>
public sealed class DatasetFrame
{
    public DatasetFrame(int rowCount, ImmutableArray<FrameColumn> columns)
    {
        RowCount = rowCount;
        Columns = columns;
        EstimatedBytes = columns.Sum(c => c.EstimatedBytes);
    }

    public int RowCount { get; }

    public ImmutableArray<FrameColumn> Columns { get; }

    /// <summary>Approximate managed memory held by the columns.</summary>
    public long EstimatedBytes { get; }

    public ImmutableArray<ColumnInfo> Schema => Columns.Select(c => c.Info).ToImmutableArray();

    /// <summary>The column named <paramref name="name"/> (ordinal match first, then case-insensitive), or null.</summary>
    public FrameColumn? Find(string name) =>
        Columns.FirstOrDefault(c => c.Name == name)
        ?? Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Row <paramref name="row"/> as column name to cell text (null when missing), for previews.</summary>
    public ImmutableDictionary<string, string?> GetRow(int row) =>
        Columns.ToImmutableDictionary(c => c.Name, c => c.GetText(row));
}
