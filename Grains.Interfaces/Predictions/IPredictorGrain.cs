using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// The prediction entry point for a model, keyed by model name. A stateless worker: every silo that receives
/// calls runs local replicas that keep the loaded model hot, so predictions have no single-activation hotspot.
/// Each silo resolves the version from its own copy of the model's routes (aliases and servable versions), which the
/// model grain pushes to every silo before it acknowledges a promotion, rollback or newly succeeded version; so a
/// change applies to the next call without a grain call per prediction.
/// </summary>
[Alias("OrleansMl.IPredictorGrain")]
public interface IPredictorGrain : IGrainWithStringKey
{
    /// <summary>Scores the rows with the resolved version.</summary>
    /// <exception cref="ModelNotFoundException">No such model, or no servable version.</exception>
    /// <exception cref="InvalidPredictionInputException">A row misses a column, has an unknown column or a value of the wrong type.</exception>
    [Alias("Predict")]
    Task<PredictionResult> PredictAsync(PredictionRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores rows given as arrays aligned to one list of columns, and answers with arrays: the same routing, checks and
    /// errors as <see cref="PredictAsync"/> (an error names the row), without a dictionary or an object per row on
    /// either side. The gateway's REST, MCP and Open Inference Protocol routes use it. It takes no cancellation token:
    /// a prediction takes microseconds, and a token costs every call more than it could save.
    /// </summary>
    /// <exception cref="ModelNotFoundException">No such model, or no servable version.</exception>
    /// <exception cref="InvalidPredictionInputException">A row misses a column, has an unknown column or a value of the wrong type.</exception>
    [Alias("PredictBatch")]
    Task<BatchPrediction> PredictBatchAsync(PredictionBatch batch);

    /// <summary>
    /// Scores rows joined with feature sets (an enriched prediction): for each set in <paramref name="features"/>, each
    /// row's value of the set's key column names an entity, and the set's values and aggregates that the model takes as
    /// inputs are added to the row; a value the row itself carries wins. The entities of a set are read in parallel,
    /// once per distinct key, on this silo. The same routing, checks and errors as <see cref="PredictBatchAsync"/>.
    /// </summary>
    /// <exception cref="ModelNotFoundException">No such model, or no servable version.</exception>
    /// <exception cref="FeatureSetNotFoundException">A named feature set is not defined.</exception>
    /// <exception cref="InvalidPredictionInputException">
    /// A row lacks a set's key column or has an invalid key, or a feature the model takes is missing or expired for a
    /// row's key and declares no default (the feature, set and key are named); or a row is invalid for the model.
    /// </exception>
    [Alias("PredictEnriched")]
    Task<BatchPrediction> PredictEnrichedAsync(PredictionBatch batch, ImmutableArray<string> features);
}
