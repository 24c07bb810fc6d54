using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// Rows to score as arrays aligned to one list of column names: the cheap form of a prediction request, which neither
/// side turns into a dictionary per row (<see cref="IPredictorGrain.PredictBatchAsync"/>). <see cref="FromRows"/> builds
/// one from rows of column name to value.
/// </summary>
/// <param name="Columns">Column names, in the order of each row's cells.</param>
/// <param name="Rows">How many rows.</param>
/// <param name="Cells">Row after row, <see cref="Columns"/>.Length cells each: row r, column c is at r × columns + c.</param>
/// <param name="Absent">
/// Indices into <paramref name="Cells"/> (ascending) of cells whose row does not carry that column at all, as opposed to
/// carrying it with a missing value; empty when every row has every column (the usual case).
/// </param>
/// <param name="Version">An explicit version; wins over <paramref name="Alias"/>.</param>
/// <param name="Alias">An alias such as <c>production</c> or <c>staging</c>.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.PredictionBatch")]
public sealed record PredictionBatch(
    [property: Id(0)] ImmutableArray<string> Columns,
    [property: Id(1)] int Rows,
    [property: Id(2)] ImmutableArray<FeatureValue> Cells,
    [property: Id(3)] ImmutableArray<int> Absent,
    [property: Id(4)] int? Version = null,
    [property: Id(5)] string? Alias = null)
{
    /// <summary>The cell of row <paramref name="row"/>, column <paramref name="column"/>.</summary>
    public FeatureValue Cell(int row, int column) => Cells[(row * Columns.Length) + column];

    /// <summary>Whether row <paramref name="row"/> carries column <paramref name="column"/>.</summary>
    public bool Has(int row, int column) => Absent.IsDefaultOrEmpty || Absent.BinarySearch((row * Columns.Length) + column) < 0;

    /// <summary>Row <paramref name="row"/> as column name to value (only the columns it carries).</summary>
    public ImmutableDictionary<string, FeatureValue> Row(int row)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, FeatureValue>(StringComparer.Ordinal);
        for (var c = 0; c < Columns.Length; c++)
        {
            if (Has(row, c))
            {
                builder[Columns[c]] = Cell(row, c);
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>The batch of <paramref name="rows"/> (column name to value; rows may carry different columns).</summary>
    public static PredictionBatch FromRows(IReadOnlyList<IReadOnlyDictionary<string, FeatureValue>> rows, int? version = null, string? alias = null)
    {
        ArgumentNullException.ThrowIfNull(rows);

        // Each row is walked once to find the columns and once to place its cells: walking a dictionary is much cheaper
        // than looking every column up in it (an immutable dictionary is a tree).
        var columns = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row is null)
            {
                continue;
            }

            foreach (var (name, _) in row)
            {
                if (index.TryAdd(name, columns.Count))
                {
                    columns.Add(name);
                }
            }
        }

        var width = columns.Count;
        var cells = new FeatureValue[rows.Count * width];
        var present = new bool[cells.Length];
        var filled = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r] is not { } row)
            {
                continue;
            }

            var offset = r * width;
            foreach (var (name, value) in row)
            {
                var cell = offset + index[name];
                cells[cell] = value;
                present[cell] = true;
                filled++;
            }
        }

        var absent = ImmutableArray<int>.Empty;
        if (filled < cells.Length)
        {
            var builder = ImmutableArray.CreateBuilder<int>(cells.Length - filled);
            for (var cell = 0; cell < present.Length; cell++)
            {
                if (!present[cell])
                {
                    builder.Add(cell);
                }
            }

            absent = builder.MoveToImmutable();
        }

        return new PredictionBatch([.. columns], rows.Count, System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(cells), absent, version, alias);
    }
}
