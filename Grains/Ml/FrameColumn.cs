using System.Collections.Immutable;

namespace OrleansMl.Ml;

/// <summary>One column of a <see cref="DatasetFrame"/>.</summary>
public sealed class FrameColumn
{
    private FrameColumn(ColumnInfo info, float[]? numbers, int[]? codes, string[]? dictionary)
    {
        Info = info;
        Numbers = numbers;
        Codes = codes;
        Dictionary = dictionary;
    }

    public string Name => Info.Name;

    public ColumnKind Kind => Info.Kind;

    /// <summary>Schema and statistics.</summary>
    public ColumnInfo Info { get; }

    /// <summary>Numeric and boolean columns: one value per row, NaN when missing (booleans are 1/0).</summary>
    public float[]? Numbers { get; }

    /// <summary>Other columns: an index into <see cref="Dictionary"/> per row, -1 when missing.</summary>
    public int[]? Codes { get; }

    /// <summary>Distinct values of a string column, in first-seen order.</summary>
    public string[]? Dictionary { get; }

    /// <summary>
    /// For boolean columns: the original spelling of true and false values (e.g. "yes"/"no"), so labels can be
    /// written back as they were uploaded.
    /// </summary>
    public (string True, string False)? BooleanSpelling { get; init; }

    /// <summary>
    /// For boolean columns: every spelling of their values (e.g. "yes", "Yes", "no") in first-seen order with how often
    /// it occurs, so that rows appended later give the statistics a parse of all the rows would give.
    /// </summary>
    public ImmutableArray<ValueCount> Spellings { get; init; } = [];

    public long EstimatedBytes =>
        (Numbers?.LongLength ?? 0) * sizeof(float)
        + (Codes?.LongLength ?? 0) * sizeof(int)
        + (Dictionary?.Sum(s => 24L + 2L * s.Length) ?? 0);

    public static FrameColumn Numeric(ColumnInfo info, float[] values) => new(info, values, null, null);

    public static FrameColumn Boolean(ColumnInfo info, float[] values, (string True, string False) spelling, ImmutableArray<ValueCount> spellings = default) =>
        new(info, values, null, null) { BooleanSpelling = spelling, Spellings = spellings.IsDefault ? [] : spellings };

    public static FrameColumn Strings(ColumnInfo info, int[] codes, string[] dictionary) => new(info, null, codes, dictionary);

    /// <summary>The cell as text (invariant culture), or null when missing.</summary>
    public string? GetText(int row)
    {
        if (Numbers is not null)
        {
            var value = Numbers[row];
            if (float.IsNaN(value))
            {
                return null;
            }

            return Kind == ColumnKind.Boolean
                ? (BooleanSpelling is { } s ? (value != 0 ? s.True : s.False) : (value != 0 ? "true" : "false"))
                : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        var code = Codes![row];
        return code < 0 ? null : Dictionary![code];
    }
}
