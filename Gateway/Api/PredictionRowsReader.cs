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
    public static PredictionBatch ReadBody(ReadOnlySpan<byte> json, Predictors.Entry? model, int maxRows, out ImmutableArray<string> features)
    {
        try
        {
            return ReadBodyCore(json, model, maxRows, out features);
        }
        catch (Exception error) when (JsonText.IsInvalidText(error))
        {
            throw new InvalidPredictionInputException(JsonText.Describe(json));
        }
    }

    private static PredictionBatch ReadBodyCore(ReadOnlySpan<byte> json, Predictors.Entry? model, int maxRows, out ImmutableArray<string> features)
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
                batch = reader.TokenType == JsonTokenType.Null ? null : ReadRows(json, ref reader, model, maxRows);
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
            return ReadRows(json, ref reader, model, maxRows) with { Version = version, Alias = alias };
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
    private static PredictionBatch ReadRows(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, Predictors.Entry? model, int maxRows)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidPredictionInputException($"rows must be an array of objects of column name to value (got a JSON {Kind(reader.TokenType)}).");
        }

        var start = (int)reader.TokenStartIndex;
        var fast = ReadUniform(ref reader, model, maxRows);
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
    private static PredictionBatch? ReadUniform(ref Utf8JsonReader reader, Predictors.Entry? model, int maxRows)
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
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (rows == maxRows)
            {
                throw TooManyRows(ref reader, maxRows);
            }

            RequireObject(ref reader, rows);
            var column = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (column >= expected.Length || !SameName(ref reader, expected[column]))
                {
                    reader = saved;
                    return null;
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
                    cells.Add(Value(ref reader, rows, columnNames[column]));
                }

                column++;
            }

            if (column != columns)
            {
                reader = saved;
                return null;
            }

            rows++;
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
