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
    /// of them, every number within the range of the 32-bit floats models compute in.
    /// </summary>
    public static ImmutableArray<ImmutableDictionary<string, FeatureValue>> ToRows(IReadOnlyList<Dictionary<string, JsonElement>>? rows, int maxRows = int.MaxValue)
    {
        if (rows is null || rows.Count == 0)
        {
            throw new InvalidPredictionInputException("rows is required: send at least one row, an object of column name to value.");
        }

        CheckRowCount(rows.Count, maxRows);

        var result = ImmutableArray.CreateBuilder<ImmutableDictionary<string, FeatureValue>>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i] is null)
            {
                throw new InvalidPredictionInputException($"rows[{i}] is null: each row must be an object of column name to value.");
            }

            var row = ImmutableDictionary.CreateBuilder<string, FeatureValue>();
            foreach (var (column, value) in rows[i])
            {
                row[column] = value.ValueKind switch
                {
                    JsonValueKind.Number => FeatureValue.FromNumber(FloatRange(value.GetDouble(), column, $"rows[{i}]")),
                    JsonValueKind.String => FeatureValue.FromString(value.GetString()),
                    JsonValueKind.True => FeatureValue.FromBoolean(true),
                    JsonValueKind.False => FeatureValue.FromBoolean(false),
                    JsonValueKind.Null or JsonValueKind.Undefined => FeatureValue.Missing,
                    _ => throw new InvalidPredictionInputException(
                        $"rows[{i}]: column '{column}' holds a JSON {value.ValueKind.ToString().ToLowerInvariant()}; send a number, a string, a boolean or null."),
                };
            }

            result.Add(row.ToImmutable());
        }

        return result.MoveToImmutable();
    }

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
