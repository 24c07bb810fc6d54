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

    /// <summary>Converts JSON rows (objects of column name to number, string, boolean or null).</summary>
    public static ImmutableArray<ImmutableDictionary<string, FeatureValue>> ToRows(IReadOnlyList<Dictionary<string, JsonElement>>? rows)
    {
        if (rows is null || rows.Count == 0)
        {
            throw new InvalidPredictionInputException("rows is required: send at least one row, an object of column name to value.");
        }

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
                    JsonValueKind.Number => FeatureValue.FromNumber(value.GetDouble()),
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
}
