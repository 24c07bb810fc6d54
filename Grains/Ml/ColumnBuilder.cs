using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace OrleansMl.Ml;

/// <summary>
/// Collects the cells of one CSV column. Cells are parsed straight into a <c>float[]</c> while the column looks
/// numeric; the first cell that is neither a number nor a missing marker switches the column to dictionary codes.
/// The numbers seen before the switch are re-read as exact text in a second pass (so "007" stays "007").
/// </summary>
internal sealed class ColumnBuilder(string name)
{
    private float[]? _numbers = [];
    private int[]? _codes;
    private Dictionary<string, int>? _lookup;
    private List<string>? _values;
    private List<long>? _counts;
    private List<int>? _firstLines;

    public string Name { get; } = name;

    /// <summary>Most frequent values kept in the statistics.</summary>
    public int TopValueCount { get; set; } = 10;

    /// <summary>How a value is shown in the statistics (long ones are cut).</summary>
    public Func<string, string> Shown { get; set; } = static v => v;

    /// <summary>Rows before this one were parsed as numbers and still need their exact text; 0 when none.</summary>
    public int SwitchRow { get; private set; }

    public bool IsNumeric => _numbers is not null;

    /// <summary>A numeric column built from all its values, exactly as a parse of the same cells would build it.</summary>
    public static FrameColumn FromNumbers(string name, float[] values) =>
        new ColumnBuilder(name) { _numbers = values }.BuildNumeric(values.Length);

    /// <summary>
    /// A string column built from all its codes and its distinct values in first-seen order with their counts, exactly
    /// as a parse of the same cells would build it.
    /// </summary>
    public static FrameColumn FromCodes(string name, int[] codes, List<string> values, List<long> counts, int topValueCount, Func<string, string> shown)
    {
        var builder = new ColumnBuilder(name)
        {
            _numbers = null, _codes = codes, _values = values, _counts = counts, _firstLines = [.. new int[values.Count]],
            TopValueCount = topValueCount, Shown = shown,
        };
        return builder.BuildText(codes.Length);
    }

    /// <summary>A boolean column built from all its values (1/0, NaN when missing) and its spellings in first-seen order with their counts.</summary>
    public static FrameColumn FromBooleans(string name, float[] numbers, List<string> spellings, List<long> counts, int topValueCount, Func<string, string> shown)
    {
        var builder = new ColumnBuilder(name)
        {
            _numbers = null, _values = spellings, _counts = counts, _firstLines = [.. new int[spellings.Count]],
            TopValueCount = topValueCount, Shown = shown,
        };
        var (count, top, byFrequency) = builder.Frequencies();
        return builder.BuildBoolean(numbers.Length, count, top, byFrequency, numbers);
    }

    /// <summary>
    /// The first value that is not a number when a string column is mostly numeric (at least 90% of its values, at
    /// least 10 of them): a parse refuses such a column as a typo. -1 when the column is fine.
    /// </summary>
    public static int FirstTextOfMostlyNumeric(IReadOnlyList<string> values, IReadOnlyList<long> counts, long otherNumbers = 0)
    {
        long numeric = otherNumbers;
        long present = otherNumbers;
        var firstText = -1;
        for (var code = 0; code < values.Count; code++)
        {
            present += counts[code];
            if (CellValues.TryParseNumber(values[code], out _))
            {
                numeric += counts[code];
            }
            else if (firstText < 0)
            {
                firstText = code;
            }
        }

        return firstText >= 0 && numeric >= 10 && numeric >= 0.9 * present ? firstText : -1;
    }

    public void Grow(int capacity)
    {
        if (_numbers is not null)
        {
            Array.Resize(ref _numbers, capacity);
        }
        else
        {
            Array.Resize(ref _codes, capacity);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(ReadOnlySpan<char> cell, int row, int line)
    {
        if (_numbers is not null)
        {
            if (CellValues.TryParseNumber(cell, out var value) || CellValues.IsMissing(cell))
            {
                _numbers[row] = value;
                return;
            }

            SwitchToText(row);
        }

        _codes![row] = CellValues.IsMissing(cell) ? -1 : Intern(cell, line);
    }

    /// <summary>Second pass: the exact text of a row that was first parsed as a number.</summary>
    public void SetExact(int row, ReadOnlySpan<char> cell, int line) =>
        _codes![row] = CellValues.IsMissing(cell) ? -1 : Intern(cell, line);

    public FrameColumn Build(int rowCount)
    {
        if (_numbers is not null)
        {
            return BuildNumeric(rowCount);
        }

        Array.Resize(ref _codes, rowCount);
        if (SwitchRow > 0)
        {
            RenumberInFirstSeenOrder(rowCount);
        }

        return BuildText(rowCount);
    }

    /// <summary>
    /// Throws when the column is mostly numeric (≥ 90% of its values, at least 10 of them) but holds text:
    /// almost always a typo or a unit in one cell rather than a text column.
    /// </summary>
    public void ThrowIfMostlyNumeric()
    {
        if (_numbers is not null)
        {
            return;
        }

        long pending = 0;
        for (var row = 0; row < SwitchRow; row++)
        {
            if (_codes![row] == -2)
            {
                pending++;
            }
        }

        var firstText = FirstTextOfMostlyNumeric(_values!, _counts!, pending);
        if (firstText >= 0)
        {
            throw new InvalidDatasetException(
                $"Column '{Name}' is numeric but line {_firstLines![firstText]} has '{_values![firstText]}'. "
                + "Fix that value, or leave the cell empty (or write NA) if it is unknown.");
        }
    }

    private void SwitchToText(int row)
    {
        _codes = new int[_numbers!.Length];
        _lookup = new Dictionary<string, int>(StringComparer.Ordinal);
        _values = [];
        _counts = [];
        _firstLines = [];
        for (var r = 0; r < row; r++)
        {
            // -2 marks a number whose exact text is read again later; -1 stays missing.
            _codes[r] = float.IsNaN(_numbers[r]) ? -1 : -2;
        }

        SwitchRow = row;
        _numbers = null;
    }

    private int Intern(ReadOnlySpan<char> cell, int line)
    {
        var lookup = _lookup!.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(cell, out var code))
        {
            _counts![code]++;
            return code;
        }

        code = _values!.Count;
        var text = cell.ToString();
        _lookup[text] = code;
        _values.Add(text);
        _counts!.Add(1);
        _firstLines!.Add(line);
        return code;
    }

    private void RenumberInFirstSeenOrder(int rowCount)
    {
        var remap = new int[_values!.Count];
        Array.Fill(remap, -1);
        var order = new List<int>(_values.Count);
        for (var row = 0; row < rowCount; row++)
        {
            var code = _codes![row];
            if (code >= 0 && remap[code] < 0)
            {
                remap[code] = order.Count;
                order.Add(code);
            }
        }

        for (var row = 0; row < rowCount; row++)
        {
            if (_codes![row] >= 0)
            {
                _codes[row] = remap[_codes[row]];
            }
        }

        _values = order.Select(c => _values[c]).ToList();
        _counts = order.Select(c => _counts![c]).ToList();
        _firstLines = order.Select(c => _firstLines![c]).ToList();
    }

    // Runs once per column over every row: optimize at once rather than after tiering has seen it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private FrameColumn BuildNumeric(int rowCount)
    {
        Array.Resize(ref _numbers, rowCount);
        var values = _numbers;
        long count = 0;
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        var integers = true;
        using var distinct = new FloatSet(Math.Min(rowCount, 1 << 16));

        // Sums are taken around the first value, which keeps the variance accurate for large offsets. They are taken in
        // double: the difference of two finite floats (3e38 and -3e38) can overflow float, never double.
        double shift = double.NaN;
        double sum = 0;
        double squares = 0;
        foreach (var v in values)
        {
            if (float.IsNaN(v))
            {
                continue;
            }

            if (count == 0)
            {
                shift = v;
            }

            count++;
            var d = v - shift;
            sum += d;
            squares += d * d;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            integers &= v == MathF.Round(v);
            distinct.Add(v);
        }

        var mean = count > 0 ? shift + (sum / count) : 0;
        var variance = count > 1 ? Math.Max(0, (squares - (sum * sum / count)) / (count - 1)) : 0;

        var kind = ColumnKind.Numeric;
        if (count == 0 || (integers && distinct.Count == count && count > 1 && CellValues.IsIdName(Name)))
        {
            kind = ColumnKind.Ignored;
        }

        var info = new ColumnInfo(
            Name,
            kind,
            count,
            rowCount - count,
            distinct.Count,
            count > 0 ? min : null,
            count > 0 ? max : null,
            count > 0 ? mean : null,
            count > 0 ? Math.Sqrt(variance) : null,
            [])
        {
            Histogram = kind == ColumnKind.Numeric ? Histograms.Numeric(values) : null,
        };
        return FrameColumn.Numeric(info, values);
    }

    private (long Count, ImmutableArray<ValueCount> Top, List<int> ByFrequency) Frequencies()
    {
        var values = _values!;
        var counts = _counts!;
        long count = counts.Sum();
        var byFrequency = Enumerable.Range(0, values.Count)
            .OrderByDescending(c => counts[c])
            .ThenBy(c => c)
            .ToList();
        var top = byFrequency
            .Take(TopValueCount)
            .Select(c => new ValueCount(Shown(values[c]), counts[c]))
            .ToImmutableArray();
        return (count, top, byFrequency);
    }

    private FrameColumn BuildText(int rowCount)
    {
        var values = _values!;
        var counts = _counts!;
        var (count, top, byFrequency) = Frequencies();

        if (count > 0 && values.All(v => CellValues.TryParseBoolWord(v, out _)))
        {
            return BuildBoolean(rowCount, count, top, byFrequency);
        }

        var kind = ColumnKind.Ignored;
        if (count > 0)
        {
            var ratio = (double)values.Count / count;
            double length = 0;
            double spaces = 0;
            for (var c = 0; c < values.Count; c++)
            {
                length += (double)values[c].Length * counts[c];
                spaces += (double)values[c].Count(ch => ch == ' ') * counts[c];
            }

            if (ratio < 0.7)
            {
                kind = ColumnKind.Categorical;
            }
            else if (ratio >= 0.85 && (length / count > 30 || spaces / count >= 1))
            {
                kind = ColumnKind.Text;
            }
        }

        var info = new ColumnInfo(Name, kind, count, rowCount - count, values.Count, null, null, null, null, top)
        {
            Histogram = kind == ColumnKind.Categorical ? Histograms.Categorical(values, counts, rowCount - count) : null,
        };
        return FrameColumn.Strings(info, _codes!, [.. values]);
    }

    private FrameColumn BuildBoolean(int rowCount, long count, ImmutableArray<ValueCount> top, List<int> byFrequency, float[]? numbers = null)
    {
        if (numbers is null)
        {
            var truth = _values!.Select(v => CellValues.TryParseBoolWord(v, out var b) && b).ToArray();
            numbers = new float[rowCount];
            for (var row = 0; row < rowCount; row++)
            {
                var code = _codes![row];
                numbers[row] = code < 0 ? float.NaN : (truth[code] ? 1f : 0f);
            }
        }

        // The most frequent spelling of each side names the column's values when they are written back.
        string? trueSpelling = null;
        string? falseSpelling = null;
        foreach (var value in byFrequency.Select(c => _values![c]))
        {
            var isTrue = CellValues.TryParseBoolWord(value, out var b) && b;
            if (isTrue)
            {
                trueSpelling ??= value;
            }
            else
            {
                falseSpelling ??= value;
            }
        }

        trueSpelling ??= CellValues.Opposite(falseSpelling!);
        falseSpelling ??= CellValues.Opposite(trueSpelling);
        var info = new ColumnInfo(Name, ColumnKind.Boolean, count, rowCount - count, _values!.Count, null, null, null, null, top)
        {
            Histogram = Histograms.Numeric(numbers),
        };
        return FrameColumn.Boolean(info, numbers, (trueSpelling, falseSpelling), [.. _values!.Select((v, c) => new ValueCount(v, _counts![c]))]);
    }
}
