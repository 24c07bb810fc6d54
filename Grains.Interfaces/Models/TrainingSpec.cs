using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A fully resolved, immutable training specification: the lineage of a model version.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="DatasetVersion">The exact dataset version trained on.</param>
/// <param name="DatasetHash">Content hash of that dataset version.</param>
/// <param name="Label">Label column.</param>
/// <param name="Task">Requested task (may be <see cref="ModelTask.Auto"/>; the resolved one is on the version).</param>
/// <param name="Algorithm">Requested learner.</param>
/// <param name="Features">Requested feature columns (empty: all usable).</param>
/// <param name="Parameters">Requested hyper-parameters.</param>
/// <param name="TestFraction">Held-out share.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Warnings">
/// What resolving the request did that the caller may not expect, each in words that say what to do about it (a feature
/// used although schema inference marked its column ignored); null when there is nothing to say.
/// </param>
[GenerateSerializer, Immutable, Alias("OrleansMl.TrainingSpec")]
public sealed record TrainingSpec(
    [property: Id(0)] string Dataset,
    [property: Id(1)] int DatasetVersion,
    [property: Id(2)] string DatasetHash,
    [property: Id(3)] string Label,
    [property: Id(4)] ModelTask Task,
    [property: Id(5)] TrainingAlgorithm Algorithm,
    [property: Id(6)] ImmutableArray<string> Features,
    [property: Id(7)] ImmutableDictionary<string, double> Parameters,
    [property: Id(8)] double TestFraction,
    [property: Id(9)] int Seed,
    [property: Id(10)] ImmutableArray<string>? Warnings = null);
