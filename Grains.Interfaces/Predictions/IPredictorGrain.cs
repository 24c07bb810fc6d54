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
}
