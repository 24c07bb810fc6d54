using System.Collections.Immutable;
using System.Globalization;
using nietras.SeparatedValues;

namespace OrleansMl.Ml;

/// <summary>Limits applied while reading an uploaded CSV.</summary>
public sealed record CsvReadOptions
{
    public int MaxColumns { get; init; } = 2_000;

    public long MaxRows { get; init; } = 20_000_000;

    /// <summary>Longest cell, in characters.</summary>
    public int MaxCellCharacters { get; init; } = 32_768;

    /// <summary>Longest column name, in characters.</summary>
    public int MaxColumnNameLength { get; init; } = 256;

    /// <summary>Most frequent values kept per column in the statistics.</summary>
    public int MaxTopValues { get; init; } = 10;

    /// <summary>Longest value kept in statistics (and shown in samples); longer ones are cut and end with "…".</summary>
    public int MaxShownValueLength { get; init; } = 256;

    /// <summary>The limits the silo's settings give.</summary>
    public static CsvReadOptions From(Hosting.OrleansMlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CsvReadOptions
        {
            MaxColumns = options.MaxColumns,
            MaxRows = options.MaxDatasetRows,
            MaxCellCharacters = options.MaxCellCharacters,
            MaxColumnNameLength = options.MaxColumnNameLength,
            MaxTopValues = options.MaxTopValues,
            MaxShownValueLength = options.MaxShownValueLength,
        };
    }

    /// <summary><paramref name="value"/> as shown in statistics and samples: cut at <see cref="MaxShownValueLength"/>.</summary>
    public string Shown(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= MaxShownValueLength ? value : string.Concat(value.AsSpan(0, MaxShownValueLength), "…");
    }
}

/// <summary>
/// Parses an uploaded CSV into a <see cref="DatasetFrame"/>, inferring each column's kind and statistics.
/// </summary>
public static class CsvFrameReader
{
    private const int InitialCapacity = 1024;

    /// <summary>
    /// Reads the whole CSV. Throws <see cref="InvalidDatasetException"/> naming the line and column for: empty input,
    /// a missing, duplicate or too long column name, ragged rows, no data rows, a NUL character, a cell longer than
    /// the limit, a mostly-numeric column holding a non-numeric value, bytes that are not UTF-8, a quote out of place
    /// (see <see cref="CsvSyntax"/>), and a row that does not fit in <see cref="CsvSyntax.MaxRowCharacters"/>.
    /// </summary>
    public static DatasetFrame Read(Stream csv, CsvReadOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(options);

        // Columns that turn out not to be numeric are re-read for their exact text, so the input must be seekable.
        if (!csv.CanSeek)
        {
            var copy = new MemoryStream();
            csv.CopyTo(copy);
            copy.Position = 0;
            using (copy)
            {
                return Read(copy, options, cancellationToken);
            }
        }

        var start = csv.Position;
        ColumnBuilder[] builders;
        var rows = 0;
        var nextLine = 1;
        try
        {
            using var reader = CsvSyntax.Open(csv);
            var separator = reader.Spec.Sep.Separator;
            builders = ReadHeader(reader, separator, options, ref nextLine);
            foreach (var builder in builders)
            {
                builder.TopValueCount = options.MaxTopValues;
                builder.Shown = options.Shown;
            }

            var names = builders.Select(b => b.Name).ToArray();
            var capacity = 0;
            long chars = 0;
            while (reader.MoveNext())
            {
                var row = reader.Current;
                nextLine = row.LineNumberToExcl;

                // One scan for both, before any cell is read (reading a quoted cell unquotes it in place in the row's text)
                // and before the field count, which a quote out of place makes wrong.
                if (row.Span.IndexOfAny('\0', '"') >= 0)
                {
                    if (row.Span.Contains('\0'))
                    {
                        throw new InvalidDatasetException(
                            $"Line {row.LineNumberFrom} contains a NUL character (byte 0). A CSV is text: remove the NUL bytes, or check that the file is not binary or UTF-16.");
                    }

                    CsvSyntax.CheckQuotes(row.Span, separator, row.LineNumberFrom, names);
                }

                if (IsBlank(row))
                {
                    continue;
                }

                if (row.ColCount != builders.Length)
                {
                    throw new InvalidDatasetException(
                        $"Line {row.LineNumberFrom} has {row.ColCount} field{(row.ColCount == 1 ? string.Empty : "s")}, the header has {builders.Length}. "
                        + "Every row needs one value per header column; quote values that contain the separator.");
                }

                if (rows >= options.MaxRows)
                {
                    throw new InvalidDatasetException(
                        $"The CSV has more than {options.MaxRows.ToString(CultureInfo.InvariantCulture)} data rows, the most allowed. "
                        + "Upload a smaller sample of the data.");
                }

                if (rows == capacity)
                {
                    capacity = NextCapacity(capacity, rows, chars, csv.Length - start, options.MaxRows);
                    foreach (var builder in builders)
                    {
                        builder.Grow(capacity);
                    }
                }

                chars += row.Span.Length + 1;

                var line = row.LineNumberFrom;
                for (var c = 0; c < builders.Length; c++)
                {
                    var cell = row[c].Span;
                    if (cell.Length > options.MaxCellCharacters)
                    {
                        throw new InvalidDatasetException(string.Create(CultureInfo.InvariantCulture,
                            $"Line {line}, column '{builders[c].Name}' has a cell of {cell.Length} characters; at most {options.MaxCellCharacters} are allowed "
                            + $"(OrleansMl__MaxCellCharacters). Shorten the value, or keep long documents out of the CSV."));
                    }

                    builders[c].Append(cell, rows, line);
                }

                rows++;
                if ((rows & 0x3FFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }
        catch (Exception ex) when (CsvSyntax.IsReadFailure(ex))
        {
            throw CsvSyntax.Explain(ex, csv, start, nextLine);
        }

        if (rows == 0)
        {
            throw new InvalidDatasetException(
                "The CSV has a header but no data rows. Add at least one row of values below the header line.");
        }

        foreach (var builder in builders)
        {
            builder.ThrowIfMostlyNumeric();
        }

        cancellationToken.ThrowIfCancellationRequested();
        ReadExactText(csv, start, builders);

        var columns = new FrameColumn[builders.Length];
        Parallel.For(
            0,
            builders.Length,
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            c => columns[c] = builders[c].Build(rows));
        return new DatasetFrame(rows, [.. columns]);
    }

    /// <summary>
    /// After the first rows, sizes the columns from the stream length and the average row length, so a large file
    /// is not copied through a series of doublings.
    /// </summary>
    private static int NextCapacity(int capacity, int rows, long chars, long bytes, long maxRows)
    {
        if (capacity == 0)
        {
            return InitialCapacity;
        }

        if (capacity == InitialCapacity && rows > 0)
        {
            var estimate = (long)(bytes / ((double)chars / rows) * 1.05) + InitialCapacity;
            estimate = Math.Min(estimate, Math.Min(maxRows + 1, Array.MaxLength));
            if (estimate > capacity * 2L)
            {
                return (int)estimate;
            }
        }

        return (int)Math.Min((long)capacity * 2, Array.MaxLength);
    }

    private static bool IsBlank(SepReader.Row row) => row.ColCount == 1 && row[0].Span.IsWhiteSpace();

    private static ColumnBuilder[] ReadHeader(SepReader reader, char separator, CsvReadOptions options, ref int nextLine)
    {
        while (reader.MoveNext())
        {
            var row = reader.Current;
            var line = nextLine; // not row.LineNumberFrom: the parser gives the first row its last line there
            nextLine = row.LineNumberToExcl;
            if (row.Span.Contains('\0'))
            {
                throw new InvalidDatasetException(
                    "The header line contains a NUL character (byte 0). A CSV is text: remove the NUL bytes, or check that the file is not binary or UTF-16.");
            }

            if (row.Span.Contains('"'))
            {
                CsvSyntax.CheckQuotes(row.Span, separator, line, names: null);
            }

            if (IsBlank(row))
            {
                continue;
            }

            if (row.ColCount > options.MaxColumns)
            {
                throw new InvalidDatasetException(
                    $"The CSV has {row.ColCount} columns; at most {options.MaxColumns} are allowed (OrleansMl__MaxColumns). "
                    + "Drop the columns you do not need before uploading.");
            }

            var names = new string[row.ColCount];
            for (var c = 0; c < names.Length; c++)
            {
                var name = row[c].Span;
                if (name.Length > options.MaxColumnNameLength)
                {
                    throw new InvalidDatasetException(string.Create(CultureInfo.InvariantCulture,
                        $"The name of column {c + 1} has {name.Length} characters; at most {options.MaxColumnNameLength} are allowed "
                        + $"(OrleansMl__MaxColumnNameLength). It starts with '{options.Shown(name[..Math.Min(name.Length, 40)].ToString())}'."));
                }

                names[c] = name.ToString();
            }

            ValidateHeader(names);
            return [.. names.Select(n => new ColumnBuilder(n))];
        }

        throw new InvalidDatasetException(
            "The CSV is empty. Upload a header line with column names followed by at least one row of values.");
    }

    private static void ValidateHeader(string[] names)
    {
        var unnamed = Enumerable.Range(0, names.Length).Where(c => names[c].Length == 0).Select(c => c + 1).ToList();
        if (unnamed.Count > 0)
        {
            throw new InvalidDatasetException(
                $"The header has no name for column{(unnamed.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unnamed)} "
                + "(counting from 1). The first line must name every column.");
        }

        var duplicates = names
            .Select((name, index) => (name, position: index + 1))
            .GroupBy(x => x.name, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"'{g.Key}' (columns {string.Join(", ", g.Select(x => x.position))})")
            .ToList();
        if (duplicates.Count > 0)
        {
            throw new InvalidDatasetException(
                $"The header repeats column name{(duplicates.Count > 1 ? "s" : string.Empty)} {string.Join(", ", duplicates)}. "
                + "Column names must be unique; rename the duplicates.");
        }
    }

    /// <summary>Second pass for columns that switched from numbers to text: the exact text of their earlier cells.</summary>
    private static void ReadExactText(Stream csv, long start, ColumnBuilder[] builders)
    {
        var pending = Enumerable.Range(0, builders.Length).Where(c => builders[c].SwitchRow > 0).ToArray();
        if (pending.Length == 0)
        {
            return;
        }

        var until = pending.Max(c => builders[c].SwitchRow);
        csv.Position = start;
        using var reader = CsvSyntax.Open(csv);
        var header = true;
        var rowIndex = 0;
        while (rowIndex < until && reader.MoveNext())
        {
            var row = reader.Current;
            if (IsBlank(row))
            {
                continue;
            }

            if (header)
            {
                header = false;
                continue;
            }

            foreach (var c in pending)
            {
                if (rowIndex < builders[c].SwitchRow)
                {
                    builders[c].SetExact(rowIndex, row[c].Span, row.LineNumberFrom);
                }
            }

            rowIndex++;
        }
    }
}
