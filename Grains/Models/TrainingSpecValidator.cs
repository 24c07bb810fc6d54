using System.Collections.Immutable;
using System.Globalization;
using OrleansMl.Ml;

namespace OrleansMl.Models;

/// <summary>
/// The one place a training request is checked, before anything is allocated: it resolves the dataset version and
/// checks every setting against it and its schema (column names and kinds). A request that passes allocates a
/// version; what only the data itself can tell (a label whose values turn out unusable) ends that version as failed.
/// </summary>
public static class TrainingSpecValidator
{
    public const double DefaultTestFraction = 0.2;
    public const int DefaultSeed = 42;

    /// <summary>Largest held-out share: at least a tenth of the rows is left to learn from.</summary>
    public const double MaxTestFraction = 0.9;

    /// <summary>Resolves the dataset version the request names (the latest when it names none) and validates against it.</summary>
    /// <exception cref="InvalidNameException">The dataset name is malformed.</exception>
    /// <exception cref="DatasetNotFoundException">The dataset or dataset version does not exist.</exception>
    /// <exception cref="InvalidTrainingRequestException">A setting does not fit the request or the dataset.</exception>
    public static async Task<TrainingSpec> ResolveAsync(IGrainFactory grains, TrainingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(request);
        CheckSettings(request);
        var dataset = grains.GetGrain<IDatasetGrain>(request.Dataset);
        var version = request.DatasetVersion is { } v ? await dataset.GetVersionAsync(v) : (await dataset.GetAsync()).Latest;
        cancellationToken.ThrowIfCancellationRequested();
        return Resolve(request, version);
    }

    /// <summary>Validates <paramref name="request"/> against <paramref name="dataset"/> and fills in the defaults.</summary>
    /// <exception cref="InvalidTrainingRequestException">A setting does not fit the request or the dataset.</exception>
    public static TrainingSpec Resolve(TrainingRequest request, DatasetVersionInfo dataset)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataset);
        CheckSettings(request);
        var columns = dataset.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var where = $"Dataset '{dataset.Name}' version {dataset.Version}";
        var names = string.Join(", ", dataset.Columns.Select(c => c.Name));
        if (!columns.TryGetValue(request.Label, out var label))
        {
            throw new InvalidTrainingRequestException($"{where} has no column '{request.Label}' to use as the label. Columns: {names}.");
        }

        var features = request.Features.IsDefault ? [] : request.Features;
        var unknown = features.Where(f => !columns.ContainsKey(f)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidTrainingRequestException(
                $"{where} has no column{(unknown.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unknown.Select(u => $"'{u}'"))} to use as a feature. Columns: {names}.");
        }

        if (features.Contains(request.Label))
        {
            throw new InvalidTrainingRequestException($"The label '{request.Label}' cannot also be a feature; remove it from features.");
        }

        if (features.GroupBy(f => f, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidTrainingRequestException($"The feature '{twice.Key}' is listed more than once; name each feature once.");
        }

        if (features.IsEmpty && !dataset.Columns.Any(c => c.Name != label.Name && c.Kind != ColumnKind.Ignored))
        {
            throw new InvalidTrainingRequestException(
                $"No usable feature columns: every column of {where} other than the label '{label.Name}' is ignored (identifiers, "
                + "empty or high-cardinality values). Name the features to use explicitly.");
        }

        if (request.Task == ModelTask.Regression && !IsNumeric(label))
        {
            throw new InvalidTrainingRequestException(
                $"Task regression needs a numeric label, but '{label.Name}' is a {EnumWords.Word(label.Kind)} column. "
                + "Use task binary or multiclass, or auto.");
        }

        return new TrainingSpec(
            dataset.Name, dataset.Version, dataset.ContentHash, request.Label, request.Task, request.Algorithm, features,
            request.Parameters ?? ImmutableDictionary<string, double>.Empty, request.TestFraction ?? DefaultTestFraction,
            request.Seed ?? DefaultSeed);
    }

    /// <summary>Everything that needs no dataset.</summary>
    private static void CheckSettings(TrainingRequest request)
    {
        Names.Validate(request.Dataset, "dataset");
        if (string.IsNullOrWhiteSpace(request.Label))
        {
            throw new InvalidTrainingRequestException("label is required: name the dataset column the model should predict.");
        }

        if (!Enum.IsDefined(request.Task))
        {
            throw new InvalidTrainingRequestException($"task {(int)request.Task} is not one of: {EnumWords.List<ModelTask>()}.");
        }

        if (!Enum.IsDefined(request.Algorithm))
        {
            throw new InvalidTrainingRequestException($"algorithm {(int)request.Algorithm} is not one of: {EnumWords.List<TrainingAlgorithm>()}.");
        }

        if (request.DatasetVersion is < 1)
        {
            throw new InvalidTrainingRequestException($"datasetVersion must be a version number, 1 or more (got {request.DatasetVersion}).");
        }

        if (request.TestFraction is { } fraction && !(fraction > 0 && fraction <= MaxTestFraction))
        {
            throw new InvalidTrainingRequestException(
                $"testFraction must be greater than 0 and at most {MaxTestFraction.ToString(CultureInfo.InvariantCulture)} (got {fraction.ToString(CultureInfo.InvariantCulture)}).");
        }

        var unknown = (request.Parameters?.Keys ?? []).Where(k => !HyperParameters.Known.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidTrainingRequestException(
                $"Unknown parameter{(unknown.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Allowed parameters: {HyperParameters.Allowed}.");
        }
    }

    /// <summary>Numbers the engine can regress on: a numeric column, or an ignored one that holds numbers (an id-like column).</summary>
    private static bool IsNumeric(ColumnInfo column) =>
        column.Kind == ColumnKind.Numeric || (column.Kind == ColumnKind.Ignored && column.Min is not null);
}
