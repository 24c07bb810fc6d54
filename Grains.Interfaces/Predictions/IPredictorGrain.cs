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
}
