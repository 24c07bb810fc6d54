using System.Collections.Immutable;
using System.Text.Json;

namespace OrleansMl.Gateway.Api;

/// <summary>Turns loosely typed inputs (REST bodies, MCP arguments) into contract types with errors that name the field.</summary>
public static class RequestMapping
{
    public static string TaskValues => EnumWords.List<ModelTask>();

    public static string AlgorithmValues => EnumWords.List<TrainingAlgorithm>();

    public static ModelTask ParseTask(string? value) => value is null or ""
        ? ModelTask.Auto
        : EnumWords.TryParse<ModelTask>(value, out var task)
            ? task
            : throw new InvalidTrainingRequestException($"task '{value}' is not one of: {TaskValues}.");

    public static TrainingAlgorithm ParseAlgorithm(string? value) => value is null or ""
        ? TrainingAlgorithm.Auto
        : EnumWords.TryParse<TrainingAlgorithm>(value, out var algorithm)
            ? algorithm
            : throw new InvalidTrainingRequestException($"algorithm '{value}' is not one of: {AlgorithmValues}.");

    public static TrainingRequest ToTrainingRequest(
        string? dataset, int? datasetVersion, string? label, string? task, string? algorithm,
        IEnumerable<string>? features, IReadOnlyDictionary<string, double>? parameters, double? testFraction, int? seed)
    {
        if (string.IsNullOrWhiteSpace(dataset))
        {
            throw new InvalidTrainingRequestException("dataset is required: name the dataset to train on.");
        }

        if (string.IsNullOrWhiteSpace(label))
        {
            throw new InvalidTrainingRequestException("label is required: name the dataset column the model should predict.");
        }

        return new TrainingRequest(
            dataset, datasetVersion, label, ParseTask(task), ParseAlgorithm(algorithm),
            features?.ToImmutableArray() ?? [], parameters?.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase), testFraction, seed);
    }

    /// <summary>
    /// Converts JSON rows (objects of column name to number, string, boolean or null), at most <paramref name="maxRows"/>
    /// of them, every number within the range of the 32-bit floats models compute in, into a batch: rows that name the
    /// same columns in the same order as the first share its column list without a dictionary each.
    /// </summary>
    public static PredictionBatch ToBatch(IReadOnlyList<Dictionary<string, JsonElement>>? rows, int? version = null, string? alias = null, int maxRows = int.MaxValue)
    {
        if (rows is null || rows.Count == 0)
        {
            throw new InvalidPredictionInputException("rows is required: send at least one row, an object of column name to value.");
        }

        CheckRowCount(rows.Count, maxRows);

        var first = rows[0] ?? throw NullRow(0);
        var columns = first.Keys.ToArray();
        var cells = new FeatureValue[rows.Count * columns.Length];
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r] ?? throw NullRow(r);
            if (row.Count != columns.Length)
            {
                return General(rows, version, alias);
            }

            var c = 0;
            foreach (var (column, value) in row)
            {
                if (!string.Equals(column, columns[c], StringComparison.Ordinal))
                {
                    return General(rows, version, alias);
                }

                cells[(r * columns.Length) + c++] = Value(r, column, value);
            }
        }

        return new PredictionBatch([.. columns], rows.Count, ImmutableArray.Create(cells), [], version, alias);
    }

    /// <summary>Rows that name different columns: one column list for all, noting the cells a row lacks.</summary>
    private static PredictionBatch General(IReadOnlyList<Dictionary<string, JsonElement>> rows, int? version, string? alias) =>
        PredictionBatch.FromRows(
            [.. rows.Select((row, r) => (IReadOnlyDictionary<string, FeatureValue>)(row ?? throw NullRow(r)).ToDictionary(p => p.Key, p => Value(r, p.Key, p.Value), StringComparer.Ordinal))],
            version,
            alias);

    private static InvalidPredictionInputException NullRow(int row) =>
        new($"rows[{row}] is null: each row must be an object of column name to value.");

    private static FeatureValue Value(int row, string column, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => FeatureValue.FromNumber(FloatRange(value.GetDouble(), column, $"rows[{row}]")),
        JsonValueKind.String => FeatureValue.FromString(value.GetString()),
        JsonValueKind.True => FeatureValue.FromBoolean(true),
        JsonValueKind.False => FeatureValue.FromBoolean(false),
        JsonValueKind.Null or JsonValueKind.Undefined => FeatureValue.Missing,
        _ => throw new InvalidPredictionInputException(
            $"rows[{row}]: column '{column}' holds a JSON {value.ValueKind.ToString().ToLowerInvariant()}; send a number, a string, a boolean or null."),
    };

    /// <summary>Refuses more rows than a prediction request may hold (<c>OrleansMl__MaxPredictionRows</c>).</summary>
    /// <exception cref="PayloadTooLargeException">More than <paramref name="maxRows"/>.</exception>
    public static void CheckRowCount(int rows, int maxRows)
    {
        if (rows > maxRows)
        {
            throw new PayloadTooLargeException(
                $"A request may hold at most {maxRows} rows (got {rows}); split it or raise OrleansMl__MaxPredictionRows.");
        }
    }

    /// <summary>
    /// <paramref name="value"/> if a 32-bit float can hold it (models compute in them: a larger number would become
    /// infinity); otherwise a 400 naming the column.
    /// </summary>
    public static double FloatRange(double value, string column, string where)
    {
        if (double.IsFinite(value) && Math.Abs(value) <= float.MaxValue)
        {
            return value;
        }

        throw new InvalidPredictionInputException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{where}: column '{column}' holds {value:R}, outside the range of the 32-bit floats models compute in (±3.4E+38). Send a smaller number, or null if it is unknown."));
    }
}
