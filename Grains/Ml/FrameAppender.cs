using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using nietras.SeparatedValues;

namespace OrleansMl.Ml;

/// <summary>
/// Appends rows to a parsed dataset version without parsing its old rows again. The rows (CSV with the version's
/// columns, or JSON objects) are written as CSV text in the stored file's separator, that text is read back exactly as an
/// upload is read, and its cells are appended column by column to the cached frame; the statistics and histograms are
/// then computed over all the rows. So the new version's frame is the one a parse of the old file followed by that text
/// gives, which is what the new version stores.
/// </summary>
public static class FrameAppender
{
    /// <summary>The separator of a stored CSV, as an upload's parse detected it from the header line.</summary>
    public static char SeparatorOf(Stream csv)
    {
        using var reader = Sep.Reader(o => o with { HasHeader = false, DisableColCountCheck = true }).From(csv, leaveOpen: true);
        return reader.Spec.Sep.Separator;
    }

    /// <summary>
    /// Reads CSV rows whose header names exactly <paramref name="columns"/> (in any order); cells come back in the columns'
    /// order. The text is held to an upload's rules (<see cref="CsvSyntax"/>): UTF-8, quotes in place, rows the parser holds.
    /// </summary>
    public static List<string[]> ReadCsv(Stream csv, IReadOnlyList<string> columns, CsvReadOptions options, string where, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(options);

        // A reading failure is explained by reading the rows again to find its line, so the input must be seekable.
        if (!csv.CanSeek)
        {
            using var copy = new MemoryStream();
            csv.CopyTo(copy);
            copy.Position = 0;
            return ReadCsv(copy, columns, options, where, cancellationToken);
        }

        var start = csv.Position;
        var nextLine = 1;
        try
        {
            return ReadCsvRows(csv, columns, where, ref nextLine, cancellationToken);
        }
        catch (Exception ex) when (CsvSyntax.IsReadFailure(ex))
        {
            throw CsvSyntax.Explain(ex, csv, start, nextLine);
        }
    }

    private static List<string[]> ReadCsvRows(Stream csv, IReadOnlyList<string> columns, string where, ref int nextLine, CancellationToken cancellationToken)
    {
        using var reader = CsvSyntax.Open(csv);
        var separator = reader.Spec.Sep.Separator;
        int[]? order = null;
        string[]? names = null;
        var rows = new List<string[]>();
        while (reader.MoveNext())
        {
            var row = reader.Current;
            var line = nextLine; // not row.LineNumberFrom: the parser gives the first row its last line there
            nextLine = row.LineNumberToExcl;

            // Before any cell is read: reading a quoted cell unquotes it in place in the row's text.
            if (row.Span.IndexOfAny('\0', '"') >= 0)
            {
                if (row.Span.Contains('\0'))
                {
                    throw new InvalidDatasetException($"Line {line} contains a NUL character (byte 0). Send the rows as UTF-8 text.");
                }

                CsvSyntax.CheckQuotes(row.Span, separator, line, names);
            }

            if (row.ColCount == 1 && row[0].Span.IsWhiteSpace())
            {
                continue;
            }

            if (order is null)
            {
                var header = new string[row.ColCount];
                for (var c = 0; c < header.Length; c++)
                {
                    header[c] = row[c].ToString();
                }

                order = Order(header, columns, where);
                names = header;
                continue;
            }

            if (row.ColCount != order.Length)
            {
                throw new InvalidDatasetException(
                    $"Line {line} has {row.ColCount} field{(row.ColCount == 1 ? string.Empty : "s")}, the header has {order.Length}. "
                    + "Every row needs one value per header column; quote values that contain the separator.");
            }

            var cells = new string[columns.Count];
            for (var c = 0; c < order.Length; c++)
            {
                cells[order[c]] = row[c].ToString();
            }

            rows.Add(cells);
            if ((rows.Count & 0x3FFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        return order is null
            ? throw new InvalidDatasetException($"The rows are empty. Send a header line naming the columns of {where}, then the rows to append.")
            : rows;
    }

    /// <summary>Where each header column goes among <paramref name="columns"/>; refuses unknown, missing and repeated names.</summary>
    private static int[] Order(string[] header, IReadOnlyList<string> columns, string where)
    {
        var index = columns.Select((name, c) => (name, c)).ToDictionary(x => x.name, x => x.c, StringComparer.Ordinal);
        var unknown = header.Where(h => !index.ContainsKey(h)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDatasetException(
                $"The header has column{(unknown.Count > 1 ? "s" : string.Empty)} {NameList.Quoted(unknown)}, which {where} does not have. "
                + $"Its columns: {string.Join(", ", columns)}.");
        }

        var repeated = header.GroupBy(h => h, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
        {
            throw new InvalidDatasetException($"The header repeats column {NameList.Quoted(repeated)}; name each column once.");
        }

        var missing = columns.Except(header, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDatasetException(
                $"The header has no column {string.Join(", ", missing.Select(m => $"'{m}'"))}; appended rows need every column of {where} "
                + "(leave a cell empty for a missing value).");
        }

        return [.. header.Select(h => index[h])];
    }

    /// <summary>
    /// Reads <c>{"rows": [{"column": value, ...}, ...]}</c>: every row names exactly <paramref name="columns"/>, each once;
    /// values are strings, numbers, booleans or null (missing). Another field, or <c>rows</c> twice, is refused rather than
    /// ignored or overwritten.
    /// </summary>
    public static List<string[]> ReadJson(Stream json, IReadOnlyList<string> columns, string where)
    {
        ArgumentNullException.ThrowIfNull(columns);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDatasetException($"The body is not valid JSON ({ex.Message}). Send {{\"rows\": [{{\"column\": value, ...}}]}}.");
        }

        using (document)
        {
            try
            {
                return ReadJson(document, columns, where);
            }
            catch (Exception ex) when (JsonText.IsInvalidText(ex))
            {
                throw new InvalidDatasetException(JsonText.Describe(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(document.RootElement), "the body"));
            }
        }
    }

    private static List<string[]> ReadJson(JsonDocument document, IReadOnlyList<string> columns, string where)
    {
        JsonElement? found = null;
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!property.NameEquals("rows"))
                {
                    throw new InvalidDatasetException($"Unknown field '{property.Name}' in the body; it takes only 'rows': {{\"rows\": [{{\"column\": value, ...}}]}}.");
                }

                found = found is null
                    ? property.Value
                    : throw new InvalidDatasetException("The body names 'rows' twice; send all the rows in one 'rows' array.");
            }
        }

        if (found is not { ValueKind: JsonValueKind.Array } rowsElement)
        {
            throw new InvalidDatasetException("The body needs a 'rows' array: {\"rows\": [{\"column\": value, ...}]}.");
        }

        var index = columns.Select((name, c) => (name, c)).ToDictionary(x => x.name, x => x.c, StringComparer.Ordinal);
        var rows = new List<string[]>(rowsElement.GetArrayLength());
        foreach (var element in rowsElement.EnumerateArray())
        {
            var at = $"rows[{rows.Count}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDatasetException($"{at} is not an object; each row is {{\"column\": value, ...}}.");
            }

            var cells = new string?[columns.Count];
            foreach (var property in element.EnumerateObject())
            {
                if (!index.TryGetValue(property.Name, out var c))
                {
                    throw new InvalidDatasetException(
                        $"{at} has column '{Names.Shown(property.Name)}', which {where} does not have. Its columns: {string.Join(", ", columns)}.");
                }

                if (cells[c] is not null)
                {
                    throw new InvalidDatasetException($"{at} names column '{property.Name}' twice; name each column once.");
                }

                cells[c] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Null => string.Empty,
                    _ => throw new InvalidDatasetException(
                        $"{at}, column '{property.Name}' is a JSON {property.Value.ValueKind.ToString().ToLowerInvariant()}; values are strings, numbers, booleans or null."),
                };
            }

            if (Array.IndexOf(cells, null) is var missing and >= 0)
            {
                throw new InvalidDatasetException(
                    $"{at} has no value for column '{columns[missing]}'. Every row names every column of {where}; send null for a missing value.");
            }

            rows.Add(cells!);
        }

        return rows.Count == 0
            ? throw new InvalidDatasetException("'rows' is empty: send at least one row to append.")
            : rows;
    }

    /// <summary>The rows as CSV text (no header) in <paramref name="separator"/>, quoted where needed.</summary>
    public static byte[] Write(List<string[]> rows, IReadOnlyList<string> columns, char separator)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = Sep.New(separator).Writer(o => o with { WriteHeader = false, Escape = true }).To(text))
        {
            foreach (var cells in rows)
            {
                using var row = writer.NewRow();
                for (var c = 0; c < columns.Count; c++)
                {
                    row[columns[c]].Set(cells[c]);
                }
            }
        }

        return new UTF8Encoding(false).GetBytes(text.ToString());
    }

    /// <summary>
    /// What appended rows mean, whatever their spelling: a SHA-256 (hex) over their cells as the dataset holds them (read
    /// back by <see cref="ReadBack"/>), in the dataset's column order. JSON whitespace, the order of a row's fields, the
    /// order of a CSV header's columns, and CSV or JSON for the same values all give the same fingerprint.
    /// </summary>
    public static string Fingerprint(List<string[]> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var row in cells)
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, row.Length);
            hash.AppendData(length);
            foreach (var cell in row)
            {
                // Each cell with its length first, so no cell's text can pass for a boundary between two others.
                var bytes = Encoding.UTF8.GetBytes(cell);
                BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
                hash.AppendData(length);
                hash.AppendData(bytes);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Reads text made by <see cref="Write"/> back exactly as an upload's rows are read.</summary>
    public static List<string[]> ReadBack(byte[] text, int columns, char separator, CsvReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var reader = Sep.New(separator).Reader(o => o with
        {
            HasHeader = false, Unescape = true, Trim = SepTrim.All, DisableColCountCheck = true, CultureInfo = CultureInfo.InvariantCulture,
        }).From(text);
        var rows = new List<string[]>();
        while (reader.MoveNext())
        {
            var row = reader.Current;
            if (row.ColCount == 1 && row[0].Span.IsWhiteSpace())
            {
                continue;
            }

            if (row.ColCount != columns)
            {
                throw new InvalidDatasetException($"Appended row {rows.Count + 1} has {row.ColCount} fields where the dataset has {columns}.");
            }

            if (row.Span.Contains('\0'))
            {
                throw new InvalidDatasetException($"Appended row {rows.Count + 1} contains a NUL character (byte 0); remove it.");
            }

            var cells = new string[columns];
            for (var c = 0; c < columns; c++)
            {
                var cell = row[c].Span;
                if (cell.Length > options.MaxCellCharacters)
                {
                    throw new InvalidDatasetException(string.Create(CultureInfo.InvariantCulture,
                        $"Appended row {rows.Count + 1} has a cell of {cell.Length} characters; at most {options.MaxCellCharacters} are allowed (OrleansMl__MaxCellCharacters)."));
                }

                cells[c] = cell.ToString();
            }

            rows.Add(cells);
        }

        return rows;
    }

    /// <summary>
    /// The frame of <paramref name="previous"/>'s rows followed by <paramref name="rows"/> (cells in its column order). Each
    /// cell must fit its column: a number (or missing) in a numeric column, a boolean word in a boolean one.
    /// </summary>
    public static DatasetFrame Append(DatasetFrame previous, List<string[]> rows, CsvReadOptions options, string where)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        var total = (long)previous.RowCount + rows.Count;
        if (total > options.MaxRows || total > Array.MaxLength)
        {
            throw new InvalidDatasetException(string.Create(CultureInfo.InvariantCulture,
                $"{where} has {previous.RowCount} rows; {rows.Count} more would pass the most allowed, {options.MaxRows} (OrleansMl__MaxDatasetRows)."));
        }

        // Every new cell is checked first, in column order, so the error names the first column that does not fit.
        for (var c = 0; c < previous.Columns.Length; c++)
        {
            Check(previous.Columns[c], c, rows, options, where);
        }

        // Then column by column in parallel, as a parse builds them: the statistics over all rows are most of the work.
        var columns = new FrameColumn[previous.Columns.Length];
        try
        {
            Parallel.For(0, columns.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
            {
                try
                {
                    columns[c] = Column(previous.Columns[c], c, previous.RowCount, rows, options, where);
                }
                catch (InvalidDatasetException ex)
                {
                    ex.Data[ColumnKey] = c;
                    throw;
                }
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.OfType<InvalidDatasetException>().Any())
        {
            throw ex.InnerExceptions.OfType<InvalidDatasetException>().MinBy(e => e.Data[ColumnKey] as int? ?? int.MaxValue)!;
        }

        return new DatasetFrame((int)total, [.. columns]);
    }

    private const string ColumnKey = "column";

    /// <summary>Refuses a new cell that does not fit a numeric or boolean column.</summary>
    private static void Check(FrameColumn old, int c, List<string[]> rows, CsvReadOptions options, string where)
    {
        if (old.Numbers is null)
        {
            return;
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var cell = rows[r][c];
            if (CellValues.IsMissing(cell))
            {
                continue;
            }

            if (old.Kind == ColumnKind.Boolean && !CellValues.TryParseBoolWord(cell, out _))
            {
                throw new InvalidDatasetException(
                    $"Column '{old.Name}' is boolean in {where}, but appended row {r + 1} has '{options.Shown(cell)}'. "
                    + $"Send {old.BooleanSpelling?.True ?? "true"} or {old.BooleanSpelling?.False ?? "false"} (or another boolean word), or leave the cell empty if it is unknown.");
            }

            if (old.Kind != ColumnKind.Boolean && !CellValues.TryParseNumber(cell, out _))
            {
                throw new InvalidDatasetException(
                    $"Column '{old.Name}' is numeric in {where}, but appended row {r + 1} has '{options.Shown(cell)}'. "
                    + "Send a number, or leave the cell empty (or NA) if it is unknown.");
            }
        }
    }

    private static FrameColumn Column(FrameColumn old, int c, int oldRows, List<string[]> rows, CsvReadOptions options, string where)
    {
        var total = oldRows + rows.Count;
        if (old.Kind == ColumnKind.Boolean)
        {
            return Boolean(old, c, oldRows, rows, options, where);
        }

        if (old.Numbers is { } oldNumbers)
        {
            var numbers = new float[total];
            oldNumbers.AsSpan(0, oldRows).CopyTo(numbers);
            for (var r = 0; r < rows.Count; r++)
            {
                // Checked before: a cell that is not a number is missing.
                numbers[oldRows + r] = CellValues.TryParseNumber(rows[r][c], out var value) ? value : float.NaN;
            }

            return ColumnBuilder.FromNumbers(old.Name, numbers);
        }

        var dictionary = old.Dictionary!;
        var values = new List<string>(dictionary);
        var lookup = new Dictionary<string, int>(dictionary.Length, StringComparer.Ordinal);
        for (var code = 0; code < dictionary.Length; code++)
        {
            lookup[dictionary[code]] = code;
        }

        var codes = new int[total];
        old.Codes.AsSpan(0, oldRows).CopyTo(codes);
        for (var r = 0; r < rows.Count; r++)
        {
            var cell = rows[r][c];
            if (CellValues.IsMissing(cell))
            {
                codes[oldRows + r] = -1;
            }
            else
            {
                if (!lookup.TryGetValue(cell, out var code))
                {
                    code = values.Count;
                    lookup[cell] = code;
                    values.Add(cell);
                }

                codes[oldRows + r] = code;
            }
        }

        var counts = new List<long>(new long[values.Count]);
        foreach (var code in codes)
        {
            if (code >= 0)
            {
                counts[code]++;
            }
        }

        MostlyNumeric(old.Name, values, counts, where);
        return ColumnBuilder.FromCodes(old.Name, codes, values, counts, options.MaxTopValues, options.Shown);
    }

    private static FrameColumn Boolean(FrameColumn old, int c, int oldRows, List<string[]> rows, CsvReadOptions options, string where)
    {
        var numbers = new float[oldRows + rows.Count];
        old.Numbers.AsSpan(0, oldRows).CopyTo(numbers);
        var spellings = old.Spellings.Select(s => s.Value).ToList();
        var counts = old.Spellings.Select(s => s.Count).ToList();
        var index = spellings.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);
        for (var r = 0; r < rows.Count; r++)
        {
            var cell = rows[r][c];
            if (CellValues.IsMissing(cell))
            {
                numbers[oldRows + r] = float.NaN;
                continue;
            }

            numbers[oldRows + r] = CellValues.TryParseBoolWord(cell, out var value) && value ? 1f : 0f; // Checked before.
            if (index.TryGetValue(cell, out var s))
            {
                counts[s]++;
            }
            else
            {
                index[cell] = spellings.Count;
                spellings.Add(cell);
                counts.Add(1);
            }
        }

        MostlyNumeric(old.Name, spellings, counts, where);
        return ColumnBuilder.FromBooleans(old.Name, numbers, spellings, counts, options.MaxTopValues, options.Shown);
    }

    private static void MostlyNumeric(string name, List<string> values, List<long> counts, string where)
    {
        var text = ColumnBuilder.FirstTextOfMostlyNumeric(values, counts);
        if (text >= 0)
        {
            throw new InvalidDatasetException(
                $"With the appended rows, column '{name}' of {where} would be mostly numbers but holds '{values[text]}': an upload of the same rows "
                + "is refused as a typo. Fix that value, or leave the cell empty (or NA) if it is unknown.");
        }
    }
}
