using System.Collections.Immutable;
using System.Text.Json;
using OrleansMl.Features;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// Reads prediction rows (JSON objects of column name to number, string, boolean or null) straight into a
/// <see cref="PredictionBatch"/>: the column names once from the first row, then one cell per value. Rows that name the
/// same columns in the same order (the usual case) are matched by their UTF-8 bytes without a string or a dictionary
/// per row; rows that differ are read again in a general way that records which row lacks which column. Errors name
/// the row and column, as the cluster's own checks do.
/// </summary>
public static class PredictionRowsReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>The fields a predict body takes, for the message that names one it does not.</summary>
    private const string BodyFields = "rows, version, alias, features";

    /// <summary>
    /// Reads a predict body, <c>{"rows": [...], "version"?: n, "alias"?: "name"}</c> (property names in any case). A field
    /// it does not take, a field given twice, or text after the object is refused: a typo such as "verison" would otherwise
    /// score with a version the caller did not ask for.
    /// </summary>
    public static PredictionBatch ReadBody(ReadOnlySpan<byte> json, Predictors.Entry? model, int maxRows) =>
        ReadBody(json, model, maxRows, out _);

    /// <summary>
    /// Reads a predict body that may also name feature sets to join, <c>"features": ["tx-stats"]</c>;
    /// <paramref name="features"/> is default (nothing allocated) when the body names none.
    /// </summary>
    public static PredictionBatch ReadBody(ReadOnlySpan<byte> json, Predictors.Entry? model, int maxRows, out ImmutableArray<string> features) =>
        ReadBody(json, BodyParts.None, model, maxRows, out features);

    /// <summary>
    /// Reads a predict body as <see cref="ReadBody(ReadOnlySpan{byte}, Predictors.Entry?, int, out ImmutableArray{string})"/>
    /// does; a large body's rows are read in parts side by side on the cores (<see cref="MaxParts"/>), with the same
    /// batch and the same errors as one pass.
    /// </summary>
    public static PredictionBatch ReadBody(ReadOnlyMemory<byte> json, Predictors.Entry? model, int maxRows, out ImmutableArray<string> features) =>
        ReadBody(json.Span, new BodyParts(json, MaxParts), model, maxRows, out features);

    /// <summary>At most this many parts, one per core; a body gets one part per <see cref="MinPartBytes"/> of its rows.</summary>
    internal static int MaxParts { get; } = Math.Min(Environment.ProcessorCount, 8);

    /// <summary>
    /// The least of a body's rows one part reads: about a tenth of a millisecond of reading, so handing a part to another
    /// core costs far less than it saves.
    /// </summary>
    internal const int MinPartBytes = 64 * 1024;

    /// <summary>Reads a predict body, its rows in the <paramref name="parts"/> it allows (<see cref="BodyParts.None"/>: one pass).</summary>
    internal static PredictionBatch ReadBody(
        ReadOnlySpan<byte> json, BodyParts parts, Predictors.Entry? model, int maxRows, out ImmutableArray<string> features)
    {
        try
        {
            return ReadBodyCore(json, parts, model, maxRows, out features);
        }
        catch (JsonException) when (parts.Used > 0)
        {
            // Malformed text after rows read in parts: the reader resumed after them counts positions from there, so its
            // message would place the problem wrongly. One pass places it.
            parts.Used = 0;
            return ReadBody(json, BodyParts.None, model, maxRows, out features);
        }
        catch (Exception error) when (JsonText.IsInvalidText(error))
        {
            throw new InvalidPredictionInputException(JsonText.Describe(json));
        }
    }

    private static PredictionBatch ReadBodyCore(ReadOnlySpan<byte> json, BodyParts parts, Predictors.Entry? model, int maxRows, out ImmutableArray<string> features)
    {
        features = default;
        var reader = new Utf8JsonReader(json, ReaderOptions);
        if (json.Trim(" \t\r\n"u8).IsEmpty || !reader.Read())
        {
            throw new InvalidPredictionInputException("The request body is empty: send {\"rows\": [{column: value}, ...]}.");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidPredictionInputException("The request body must be a JSON object: {\"rows\": [{column: value}, ...]}.");
        }

        PredictionBatch? batch = null;
        int? version = null;
        string? alias = null;
        var seen = Field.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (Named(ref reader, "rows"u8))
            {
                seen = Once(ref reader, seen, Field.Rows);
                reader.Read();
                batch = reader.TokenType == JsonTokenType.Null ? null : ReadRows(json, parts, ref reader, model, maxRows);
            }
            else if (Named(ref reader, "version"u8))
            {
                seen = Once(ref reader, seen, Field.Version);
                reader.Read();
                version = ReadVersion(ref reader);
            }
            else if (Named(ref reader, "features"u8))
            {
                seen = Once(ref reader, seen, Field.Features);
                reader.Read();
                features = ReadFeatures(ref reader);
            }
            else if (Named(ref reader, "alias"u8))
            {
                seen = Once(ref reader, seen, Field.Alias);
                reader.Read();
                alias = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.String => Names.Validate(reader.GetString()!, "alias"),
                    _ => throw new InvalidPredictionInputException($"alias must be a string such as \"production\" (got a JSON {Kind(reader.TokenType)})."),
                };
            }
            else
            {
                throw new InvalidPredictionInputException($"Unknown field '{NameList.Cut(reader.GetString()!)}' in the request body; its fields are: {BodyFields}.");
            }
        }

        // Text after the object (a second value, stray characters) is malformed JSON, which the reader reports when asked
        // for more; at the end of the text it answers false.
        if (reader.Read())
        {
            throw new JsonException("The request body holds more than one JSON value.");
        }

        OneRoute(version, alias);
        return (batch ?? throw NoRows()) with { Version = version, Alias = alias };
    }

    /// <summary>
    /// A version and an alias both name the version to score with: taking one of them would score with a version the
    /// caller may not have meant, so giving both is refused, naming both.
    /// </summary>
    public static void OneRoute(int? version, string? alias)
    {
        if (version is { } number && alias is not null)
        {
            throw new InvalidPredictionInputException(
                $"version ({number}) and alias ('{NameList.Cut(alias)}') are both given; send one: version scores with that version, alias with the version the alias points at.");
        }
    }

    /// <summary>Reads the rows of an MCP tool call (the JSON of its <c>rows</c> argument).</summary>
    public static PredictionBatch ReadRows(JsonElement rows, Predictors.Entry? model, int maxRows, int? version, string? alias)
    {
        if (rows.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            throw NoRows();
        }

        OneRoute(version, alias);
        var json = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(rows);
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            reader.Read();
            return ReadRows(json, BodyParts.None, ref reader, model, maxRows) with { Version = version, Alias = alias };
        }
        catch (Exception error) when (JsonText.IsInvalidText(error))
        {
            throw new InvalidPredictionInputException(JsonText.Describe(json, "rows", root: "rows"));
        }
    }

    /// <summary>The names of the feature sets to join: an array of strings (null or empty: none).</summary>
    private static ImmutableArray<string> ReadFeatures(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidPredictionInputException(
                $"features must be an array of feature set names such as [\"tx-stats\"] (got a JSON {Kind(reader.TokenType)}).");
        }

        var names = ImmutableArray.CreateBuilder<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new InvalidPredictionInputException(
                    $"features[{names.Count}] must be a feature set name (a string), not a JSON {Kind(reader.TokenType)}.");
            }

            if (names.Count == FeatureJoin.MaxSets)
            {
                throw new InvalidPredictionInputException($"features names more than {FeatureJoin.MaxSets} feature sets; a prediction may join at most {FeatureJoin.MaxSets}.");
            }

            names.Add(reader.GetString()!);
        }

        return names.Count == 0 ? default : names.ToImmutable();
    }

    /// <summary><paramref name="seen"/> with <paramref name="field"/>, which the reader is on; a 400 if the body named it already.</summary>
    private static Field Once(ref Utf8JsonReader reader, Field seen, Field field) => (seen & field) == 0
        ? seen | field
        : throw new InvalidPredictionInputException($"The request body names '{reader.GetString()}' twice; send each field once.");

    private static InvalidPredictionInputException NoRows() =>
        new("rows is required: send at least one row, an object of column name to value.");

    internal static bool Named(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.ValueTextEquals(name))
        {
            return true;
        }

        // Property names match in any case, as everywhere in the REST API.
        if (reader.ValueIsEscaped || reader.ValueSpan.Length != name.Length)
        {
            return reader.ValueIsEscaped && string.Equals(reader.GetString(), System.Text.Encoding.UTF8.GetString(name), StringComparison.OrdinalIgnoreCase);
        }

        return System.Text.Ascii.EqualsIgnoreCase(reader.ValueSpan, name);
    }

    private static int? ReadVersion(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when reader.TryGetInt32(out var number):
                return VersionNumbers.Validate(number, "version");
            default:
                throw new InvalidPredictionInputException($"version must be a whole number such as 2 (got a JSON {Kind(reader.TokenType)}).");
        }
    }

    /// <summary>Reads the array the reader is on. <paramref name="json"/> is the whole text the reader reads.</summary>
    private static PredictionBatch ReadRows(ReadOnlySpan<byte> json, BodyParts parts, ref Utf8JsonReader reader, Predictors.Entry? model, int maxRows)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidPredictionInputException($"rows must be an array of objects of column name to value (got a JSON {Kind(reader.TokenType)}).");
        }

        var start = (int)reader.TokenStartIndex;
        var fast = ReadUniform(json, parts, ref reader, model, maxRows);
        if (fast is not null)
        {
            return fast;
        }

        // Rows that name different columns: read them again, one column list for all, noting the cells a row lacks.
        var again = new Utf8JsonReader(json[start..], ReaderOptions);
        again.Read();
        var batch = ReadGeneral(ref again, maxRows);
        reader.Skip();
        return batch;
    }

    /// <summary>
    /// Reads rows that all name the same columns in the same order as the first; null (the reader left where it was) as
    /// soon as one does not. After the first row, a row's names are compared with the first row's UTF-8 bytes and its
    /// numbers parsed straight into the cells: this loop runs once per cell of a batch.
    /// </summary>
    private static PredictionBatch? ReadUniform(ReadOnlySpan<byte> json, BodyParts parts, ref Utf8JsonReader reader, Predictors.Entry? model, int maxRows)
    {
        var saved = reader;
        var known = model?.LastColumns;
        var cells = new FeatureValueBuffer(model?.LastCells ?? 0);
        if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
        {
            throw new InvalidPredictionInputException("rows is empty: send at least one row, an object of column name to value.");
        }

        // The first row: its names, reused from the model's last request when they are the same.
        RequireObject(ref reader, 0);
        var firstRow = (int)reader.TokenStartIndex;
        var names = new List<string>(known?.Names.Length ?? 16);
        var utf8 = new List<byte[]>(known?.Names.Length ?? 16);
        var reused = known is not null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var column = names.Count;
            if (reused && column < known!.Utf8.Length && reader.ValueTextEquals(known.Utf8[column]))
            {
                names.Add(known.Names[column]);
                utf8.Add(known.Utf8[column]);
            }
            else
            {
                reused = false;
                var name = reader.GetString()!;
                names.Add(name);
                utf8.Add(System.Text.Encoding.UTF8.GetBytes(name));
            }

            reader.Read();
            cells.Add(Value(ref reader, 0, names[column]));
        }

        var columns = names.Count;
        reused &= known is not null && columns == known.Names.Length;
        if (!reused)
        {
            // The model's last columns were checked when they were first read; later rows must repeat the first row's
            // names one for one, so the first row is the only one to check here.
            RequireDistinct(names);
        }

        ImmutableArray<string> columnNames = reused ? known!.Names : [.. names];
        var expected = reused ? known!.Utf8 : [.. utf8];
        var rows = 1;
        if (parts.Worth(json.Length - (int)reader.BytesConsumed)
            && ReadInParts(json, parts, ref reader, (int)reader.BytesConsumed - firstRow, expected, columnNames, maxRows, ref cells) is { } read)
        {
            rows += read;
        }
        else
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (rows == maxRows)
                {
                    throw TooManyRows(ref reader, maxRows);
                }

                RequireObject(ref reader, rows);
                if (!ReadSameColumns(ref reader, expected, columnNames, rows, ref cells))
                {
                    reader = saved;
                    return null;
                }

                rows++;
            }
        }

        if (model is not null)
        {
            if (!reused)
            {
                model.LastColumns = new ColumnNames(columnNames);
            }

            model.LastCells = cells.Count;
        }

        return new PredictionBatch(columnNames, rows, cells.ToImmutable(), []);
    }

    /// <summary>
    /// Reads the cells of the row the reader is on (its start) when it names <paramref name="expected"/>'s columns in
    /// their order, leaving the reader on its end; false as soon as it names another (some of its cells already added).
    /// </summary>
    private static bool ReadSameColumns(
        ref Utf8JsonReader reader, byte[][] expected, ImmutableArray<string> columns, int row, ref FeatureValueBuffer cells)
    {
        var column = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (column >= expected.Length || !SameName(ref reader, expected[column]))
            {
                return false;
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.Number && !reader.HasValueSequence
                && csFastFloat.FastDoubleParser.TryParseDouble(reader.ValueSpan, out var consumed, out var number)
                && consumed == reader.ValueSpan.Length && RequestMapping.InFloatRange(number))
            {
                cells.Add(FeatureValue.FromNumber(number));
            }
            else
            {
                cells.Add(Value(ref reader, row, columns[column]));
            }

            column++;
        }

        return column == expected.Length;
    }

    /// <summary>
    /// Reads the rows after the first in parts side by side on the cores, and returns how many; null (nothing added, the
    /// reader where it was) when the parts do not hold. The rest of the array is cut where the text looks like the end of
    /// a row (a '}', then ',' and '{' with only white space between), and each part reads its rows as the one-pass loop
    /// does, one JSON reader per row, checking the commas between them. A part holds only if its last row ends exactly
    /// at the next cut (the last part: at the array's ']'). The first part starts where the first row ends, so when
    /// every part holds, every cut was a true row boundary and the text between them is the rows read; the reader then
    /// resumes at the ']' in the state it had after the first row, which is the state after any row. A cut inside a
    /// string, a row that names other columns, a value that is not a cell, more rows than allowed or malformed text
    /// makes a part fail; then the one pass reads the rows again, and it names the problem with its row.
    /// </summary>
    private static int? ReadInParts(
        ReadOnlySpan<byte> json, BodyParts parts, ref Utf8JsonReader reader, int firstRowBytes, byte[][] expected,
        ImmutableArray<string> columns, int maxRows, ref FeatureValueBuffer cells)
    {
        var start = (int)reader.BytesConsumed;
        var count = Math.Min(parts.Max, (json.Length - start) / MinPartBytes);
        var cuts = new List<int>(count + 1) { start };
        for (var part = 1; part < count; part++)
        {
            var cut = RowEndAfter(json, Math.Max(cuts[^1], start + (int)((long)(json.Length - start) * part / count)));
            if (cut < 0)
            {
                break;
            }

            cuts.Add(cut);
        }

        if (cuts.Count == 1)
        {
            // No row ends after the first part's share: one pass reads them all.
            return null;
        }

        cuts.Add(json.Length);
        var results = new PartRows?[cuts.Count - 1];
        var memory = parts.Memory;
        Parallel.For(0, results.Length, PartOptions, part =>
        {
            // Cells for rows the size of the first, and a quarter more: rows of one batch are mostly alike.
            var expectedCells = (int)Math.Min(maxRows * (long)expected.Length,
                (long)(cuts[part + 1] - cuts[part]) * expected.Length * 5 / 4 / Math.Max(1, firstRowBytes) + expected.Length);
            results[part] = PartRows.Read(memory.Span, cuts[part], cuts[part + 1], part == results.Length - 1, expected, columns, expectedCells);
        });

        try
        {
            var rows = 0;
            foreach (var part in results)
            {
                if (part is null)
                {
                    return null;
                }

                rows += part.Rows;
            }

            if (rows >= maxRows)
            {
                return null;
            }

            foreach (var part in results)
            {
                cells.AddRange(part!.Cells.AsSpan());
            }

            reader = new Utf8JsonReader(json[results[^1]!.End..], isFinalBlock: true, reader.CurrentState);
            reader.Read();
            parts.Used = results.Length;
            return rows;
        }
        finally
        {
            foreach (var part in results)
            {
                part?.Cells.Return();
            }
        }
    }

    // Not a grain's scheduler: parts run on the thread pool beside the request, which takes parts itself.
    private static readonly ParallelOptions PartOptions = new() { TaskScheduler = TaskScheduler.Default };

    /// <summary>
    /// Where the first row ending at or after <paramref name="from"/> ends (just after its '}'), judged by the text alone:
    /// the '}' is followed by ',' and '{' with only JSON white space between; −1 when there is none.
    /// </summary>
    private static int RowEndAfter(ReadOnlySpan<byte> json, int from)
    {
        for (var at = from; at < json.Length;)
        {
            var brace = json[at..].IndexOf((byte)'}');
            if (brace < 0)
            {
                return -1;
            }

            var end = at + brace + 1;
            var next = SkipWhiteSpace(json, end);
            if (next < json.Length && json[next] == (byte)',')
            {
                next = SkipWhiteSpace(json, next + 1);
                if (next < json.Length && json[next] == (byte)'{')
                {
                    return end;
                }
            }

            at = end;
        }

        return -1;
    }

    /// <summary>The first position at or after <paramref name="at"/> that is not JSON white space.</summary>
    private static int SkipWhiteSpace(ReadOnlySpan<byte> json, int at)
    {
        var skipped = json[at..].IndexOfAnyExcept(" \t\r\n"u8);
        return skipped < 0 ? json.Length : at + skipped;
    }

    /// <summary>The rows of one part and their cells (pooled: <see cref="FeatureValueBuffer.Return"/> once copied).</summary>
    private sealed class PartRows
    {
        public FeatureValueBuffer Cells;

        public int Rows { get; private set; }

        /// <summary>Where the part stopped: the next cut, or for the last part its ']'.</summary>
        public int End { get; private set; }

        /// <summary>
        /// Reads the rows in [<paramref name="from"/>, <paramref name="to"/>): each a ',' then a row, the last part up to
        /// the array's ']'; null when the text there is anything else or a row is not one of the batch's.
        /// </summary>
        public static PartRows? Read(
            ReadOnlySpan<byte> json, int from, int to, bool last, byte[][] expected, ImmutableArray<string> columns, int expectedCells)
        {
            var part = new PartRows { Cells = FeatureValueBuffer.Pooled(expectedCells) };
            if (part.TryRead(json, from, to, last, expected, columns))
            {
                return part;
            }

            part.Cells.Return();
            return null;
        }

        private bool TryRead(ReadOnlySpan<byte> json, int from, int to, bool last, byte[][] expected, ImmutableArray<string> columns)
        {
            var at = from;
            try
            {
                while (true)
                {
                    if (!last && at >= to)
                    {
                        End = at;
                        return at == to;
                    }

                    at = SkipWhiteSpace(json, at);
                    if (at == json.Length || json[at] != (byte)',')
                    {
                        End = at;
                        return last && at < json.Length && json[at] == (byte)']';
                    }

                    at = SkipWhiteSpace(json, at + 1);
                    var row = new Utf8JsonReader(json[at..], ReaderOptions);
                    if (!row.Read() || row.TokenType != JsonTokenType.StartObject
                        || !ReadSameColumns(ref row, expected, columns, Rows, ref Cells))
                    {
                        return false;
                    }

                    at += (int)row.BytesConsumed;
                    Rows++;
                }
            }
            catch (Exception error) when (error is JsonException or InvalidPredictionInputException or InvalidOperationException)
            {
                // Malformed text, a value that is not a cell, a string that is not text: the one pass reads these rows
                // again and names the problem with its row's place in the array.
                return false;
            }
        }
    }

    /// <summary>
    /// How a body's rows may be read: in up to <see cref="Max"/> parts of <see cref="Memory"/> (the text being read, for the
    /// parts read on other threads), or in one pass.
    /// </summary>
    internal sealed class BodyParts(ReadOnlyMemory<byte> memory, int max)
    {
        public static readonly BodyParts None = new(default, 1);

        public ReadOnlyMemory<byte> Memory => memory;

        public int Max => max;

        /// <summary>In how many parts the rows were read (0: in one pass).</summary>
        public int Used { get; set; }

        /// <summary>Whether <paramref name="bytes"/> of rows make at least two parts.</summary>
        public bool Worth(int bytes) => max > 1 && !memory.IsEmpty && bytes >= 2 * MinPartBytes;
    }

    /// <summary>A 400 naming the first column the first row names twice.</summary>
    private static void RequireDistinct(List<string> names)
    {
        var distinct = new HashSet<string>(names.Count, StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!distinct.Add(name))
            {
                throw Repeated(0, name);
            }
        }
    }

    private static InvalidPredictionInputException Repeated(int row, string column) =>
        new($"rows[{row}] names column '{NameList.Cut(column)}' twice; send each column once.");

    /// <summary>Whether the property name the reader is on is <paramref name="utf8"/> (compared unescaped).</summary>
    private static bool SameName(ref Utf8JsonReader reader, byte[] utf8) =>
        reader.ValueIsEscaped ? reader.ValueTextEquals(utf8) : reader.ValueSpan.SequenceEqual(utf8);

    /// <summary>Reads rows that may name different columns: the union of their columns, and the cells each row lacks.</summary>
    private static PredictionBatch ReadGeneral(ref Utf8JsonReader reader, int maxRows)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();

        // Per column, one more than the last row that named it: a column named twice in a row is found with one compare.
        var namedIn = new List<int>();
        var rows = new List<List<(int Column, FeatureValue Value)>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (rows.Count == maxRows)
            {
                throw TooManyRows(ref reader, maxRows);
            }

            RequireObject(ref reader, rows.Count);
            var row = new List<(int, FeatureValue)>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!index.TryGetValue(name, out var column))
                {
                    column = names.Count;
                    index[name] = column;
                    names.Add(name);
                    namedIn.Add(0);
                }

                if (namedIn[column] == rows.Count + 1)
                {
                    throw Repeated(rows.Count, name);
                }

                namedIn[column] = rows.Count + 1;
                reader.Read();
                row.Add((column, Value(ref reader, rows.Count, name)));
            }

            rows.Add(row);
        }

        var width = names.Count;
        var cells = new FeatureValue[rows.Count * width];
        var present = new bool[rows.Count * width];
        for (var r = 0; r < rows.Count; r++)
        {
            foreach (var (column, value) in rows[r])
            {
                cells[(r * width) + column] = value;
                present[(r * width) + column] = true;
            }
        }

        var absent = ImmutableArray.CreateBuilder<int>();
        for (var i = 0; i < present.Length; i++)
        {
            if (!present[i])
            {
                absent.Add(i);
            }
        }

        return new PredictionBatch([.. names], rows.Count, ImmutableArray.Create(cells), absent.ToImmutable());
    }

    private static void RequireObject(ref Utf8JsonReader reader, int row)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return;
        }

        throw reader.TokenType == JsonTokenType.Null
            ? new InvalidPredictionInputException($"rows[{row}] is null: each row must be an object of column name to value.")
            : new InvalidPredictionInputException($"rows[{row}] is a JSON {Kind(reader.TokenType)}: each row must be an object of column name to value.");
    }

    private static FeatureValue Value(ref Utf8JsonReader reader, int row, string column) => reader.TokenType switch
    {
        // The message's text is built only for a number out of range: a batch holds many thousands of cells.
        JsonTokenType.Number when Number(ref reader, out var number) && RequestMapping.InFloatRange(number) => FeatureValue.FromNumber(number),
        JsonTokenType.Number => Number(ref reader, out var number)
            ? FeatureValue.FromNumber(RequestMapping.FloatRange(number, column, $"rows[{row}]"))
            : throw new InvalidPredictionInputException($"rows[{row}]: column '{column}' holds a number out of range."),
        JsonTokenType.String => FeatureValue.FromString(reader.GetString()),
        JsonTokenType.True => FeatureValue.FromBoolean(true),
        JsonTokenType.False => FeatureValue.FromBoolean(false),
        JsonTokenType.Null => FeatureValue.Missing,
        _ => throw new InvalidPredictionInputException(
            $"rows[{row}]: column '{column}' holds a JSON {Kind(reader.TokenType)}; send a number, a string, a boolean or null."),
    };

    /// <summary>
    /// The number the reader is on (which the reader has already checked against JSON's grammar), parsed by fast_float:
    /// correctly rounded like <see cref="Utf8JsonReader.TryGetDouble"/>, several times faster. False when it is not finite.
    /// </summary>
    internal static bool Number(ref Utf8JsonReader reader, out double number)
    {
        if (!reader.HasValueSequence
            && csFastFloat.FastDoubleParser.TryParseDouble(reader.ValueSpan, out var consumed, out number)
            && consumed == reader.ValueSpan.Length)
        {
            return double.IsFinite(number);
        }

        return reader.TryGetDouble(out number) && double.IsFinite(number);
    }

    private static PayloadTooLargeException TooManyRows(ref Utf8JsonReader reader, int maxRows)
    {
        var rows = maxRows;
        do
        {
            reader.Skip();
            rows++;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);

        return new PayloadTooLargeException(
            $"A request may hold at most {maxRows} rows (got {rows}); split it or raise OrleansMl__MaxPredictionRows.");
    }

    /// <summary>The fields of a predict body, as bits of the set already read.</summary>
    [Flags]
    private enum Field
    {
        None = 0,
        Rows = 1,
        Version = 2,
        Alias = 4,
        Features = 8,
    }

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString().ToLowerInvariant(),
    };
}
