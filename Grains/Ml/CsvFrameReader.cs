namespace OrleansMl.Ml;

/// <summary>Limits applied while reading an uploaded CSV.</summary>
public sealed record CsvReadOptions
{
    public int MaxColumns { get; init; } = 2_000;

    public long MaxRows { get; init; } = 20_000_000;
}

/// <summary>
/// Parses an uploaded CSV into a <see cref="DatasetFrame"/>, inferring each column's kind and statistics.
/// </summary>
public static class CsvFrameReader
{
    /// <summary>
    /// Reads the whole CSV. Throws <see cref="InvalidDatasetException"/> naming the line and column for: empty input,
    /// a missing or duplicate header, ragged rows, no data rows, and a mostly-numeric column holding a
    /// non-numeric value.
    /// </summary>
    public static DatasetFrame Read(Stream csv, CsvReadOptions options, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();
}
