using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// The answer to a <see cref="PredictionBatch"/>, as arrays rather than an object per row:
/// <see cref="At"/> and <see cref="ToResult"/> give the per-row form of <see cref="PredictionResult"/>.
/// </summary>
/// <param name="Model">Model name.</param>
/// <param name="Version">Version that scored the rows.</param>
/// <param name="Alias">Alias the version was reached through, if any.</param>
/// <param name="Task">Binary, multiclass or regression.</param>
/// <param name="Classes">Class names in the model's order (the keys of the probabilities; empty for regression).</param>
/// <param name="ClassValues">The same classes as label values, in the label column's own kind (string, number or boolean).</param>
/// <param name="Labels">Per row, the index of the predicted class (empty for regression).</param>
/// <param name="Scores">Per row, the score (classification: binary margin or the winning class's probability) or the value (regression).</param>
/// <param name="Probabilities">Row after row, one probability per class (empty for regression).</param>
/// <param name="PredictionIds">Per row, the signed id that feedback names the prediction by.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.BatchPrediction")]
public sealed record BatchPrediction(
    [property: Id(0)] string Model,
    [property: Id(1)] int Version,
    [property: Id(2)] string? Alias,
    [property: Id(3)] ModelTask Task,
    [property: Id(4)] ImmutableArray<string> Classes,
    [property: Id(5)] ImmutableArray<FeatureValue> ClassValues,
    [property: Id(6)] ImmutableArray<int> Labels,
    [property: Id(7)] ImmutableArray<double> Scores,
    [property: Id(8)] ImmutableArray<double> Probabilities,
    [property: Id(9)] ImmutableArray<string> PredictionIds = default)
{
    /// <summary>How many rows were scored.</summary>
    public int Count => Scores.Length;

    /// <summary>The prediction for row <paramref name="row"/> in the per-row form.</summary>
    public Prediction At(int row)
    {
        if (Task == ModelTask.Regression)
        {
            return new Prediction(null, Scores[row], null, null, IdOf(row));
        }

        var classes = Classes.Length;
        var probabilities = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        for (var k = 0; k < classes; k++)
        {
            probabilities[Classes[k]] = Probabilities[(row * classes) + k];
        }

        return new Prediction(ClassValues[Labels[row]], null, Scores[row], probabilities.ToImmutable(), IdOf(row));
    }

    /// <summary>The prediction id of row <paramref name="row"/>, or null when the answer carries none.</summary>
    public string? IdOf(int row) => PredictionIds.IsDefaultOrEmpty ? null : PredictionIds[row];

    /// <summary>Every row in the per-row form.</summary>
    public PredictionResult ToResult() =>
        new(Model, Version, Alias, [.. Enumerable.Range(0, Count).Select(At)]);
}
