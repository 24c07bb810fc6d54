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
            : throw new InvalidTrainingRequestException($"task '{Names.Shown(value)}' is not one of: {TaskValues}.");

    public static TrainingAlgorithm ParseAlgorithm(string? value) => value is null or ""
        ? TrainingAlgorithm.Auto
        : EnumWords.TryParse<TrainingAlgorithm>(value, out var algorithm)
            ? algorithm
            : throw new InvalidTrainingRequestException($"algorithm '{Names.Shown(value)}' is not one of: {AlgorithmValues}.");

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

    /// <summary>Whether a 32-bit float can hold <paramref name="value"/> (the check of <see cref="FloatRange"/>, without its message).</summary>
    public static bool InFloatRange(double value) => double.IsFinite(value) && Math.Abs(value) <= float.MaxValue;

    /// <summary>
    /// <paramref name="value"/> if a 32-bit float can hold it (models compute in them: a larger number would become
    /// infinity); otherwise a 400 naming the column.
    /// </summary>
    public static double FloatRange(double value, string column, string where)
    {
        if (InFloatRange(value))
        {
            return value;
        }

        throw new InvalidPredictionInputException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{where}: column '{column}' holds {value:R}, outside the range of the 32-bit floats models compute in (±3.4E+38). Send a smaller number, or null if it is unknown."));
    }
}
