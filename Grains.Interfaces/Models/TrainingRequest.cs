using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>What to train: the caller's request, before defaults are resolved.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="DatasetVersion">Dataset version; null means the latest.</param>
/// <param name="Label">Name of the column to predict.</param>
/// <param name="Task">Prediction task; <see cref="ModelTask.Auto"/> infers it from the label.</param>
/// <param name="Algorithm">Learner; <see cref="TrainingAlgorithm.Auto"/> searches.</param>
/// <param name="Features">Columns to use; empty means every usable column except the label.</param>
/// <param name="Parameters">Hyper-parameters (e.g. <c>trees</c>, <c>leaves</c>, <c>learningRate</c>, <c>minLeaf</c>, <c>l1</c>, <c>l2</c>, <c>timeBudgetSeconds</c>).</param>
/// <param name="TestFraction">
/// Share of rows held out for evaluation, in [0, 0.9]; default 0.2. With 0 every labelled row trains the model and the
/// version has no held-out metrics (evaluate it on other data).
/// </param>
/// <param name="Seed">Seed of the split and of the learners; default 42.</param>
/// <param name="IdempotencyKey">
/// Optional caller-chosen key (1-200 printable ASCII characters): the same key with the same request within the
/// idempotency window returns the version the first request created instead of training again; the same key with a
/// different request is refused. Not part of what is trained.
/// </param>
[GenerateSerializer, Immutable, Alias("OrleansMl.TrainingRequest")]
public sealed record TrainingRequest(
    [property: Id(0)] string Dataset,
    [property: Id(1)] int? DatasetVersion,
    [property: Id(2)] string Label,
    [property: Id(3)] ModelTask Task = ModelTask.Auto,
    [property: Id(4)] TrainingAlgorithm Algorithm = TrainingAlgorithm.Auto,
    [property: Id(5)] ImmutableArray<string> Features = default,
    [property: Id(6)] ImmutableDictionary<string, double>? Parameters = null,
    [property: Id(7)] double? TestFraction = null,
    [property: Id(8)] int? Seed = null,
    [property: Id(9)] string? IdempotencyKey = null);
