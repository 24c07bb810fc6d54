using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// A model version's metrics on a dataset version other than the one it was trained on: how a model is checked on
/// fresh data, computed exactly as the training's held-out metrics are.
/// </summary>
/// <param name="Model">Model name.</param>
/// <param name="Version">The evaluated version.</param>
/// <param name="Dataset">The dataset scored.</param>
/// <param name="DatasetVersion">The dataset version scored.</param>
/// <param name="Task">The model's task.</param>
/// <param name="Rows">Rows of the dataset version.</param>
/// <param name="EvaluatedRows">Rows scored: those with a label the model knows.</param>
/// <param name="MissingLabelRows">Rows without a label value, left out.</param>
/// <param name="UnknownLabelRows">Rows whose label is a class the model never saw in training, left out.</param>
/// <param name="Metrics">The metrics on the evaluated rows, named as the training's.</param>
/// <param name="TrainingMetrics">The version's held-out metrics from training, for comparison.</param>
/// <param name="ElapsedMs">Time to load the model and data and score every row.</param>
[GenerateSerializer, Alias("OrleansMl.ModelEvaluation")]
public sealed record ModelEvaluation(
    [property: Id(0)] string Model,
    [property: Id(1)] int Version,
    [property: Id(2)] string Dataset,
    [property: Id(3)] int DatasetVersion,
    [property: Id(4)] ModelTask Task,
    [property: Id(5)] int Rows,
    [property: Id(6)] int EvaluatedRows,
    [property: Id(7)] int MissingLabelRows,
    [property: Id(8)] int UnknownLabelRows,
    [property: Id(9)] ImmutableDictionary<string, double> Metrics,
    [property: Id(10)] ImmutableDictionary<string, double> TrainingMetrics,
    [property: Id(11)] double ElapsedMs);
