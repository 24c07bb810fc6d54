using System.Collections.Immutable;
using Orleans.Concurrency;
using OrleansMl.Hosting;
using OrleansMl.Ml;

namespace OrleansMl.Predictions;

/// <summary>
/// A per-silo replica that scores rows for one model. Each activation handles one request at a time and owns its
/// predictors (ML.NET row mappers must not be shared across threads); Orleans adds replicas under load.
/// </summary>
[StatelessWorker]
public sealed class PredictorGrain(ModelCache models, OrleansMlOptions options) : Grain, IPredictorGrain
{
    private const int MaxPredictors = 8;
    private readonly Dictionary<string, ModelPredictor> _predictors = [];

    public async Task<PredictionResult> PredictAsync(PredictionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = this.GetPrimaryKeyString();
        if (request.Rows.IsDefaultOrEmpty)
        {
            throw new InvalidPredictionInputException("rows is empty: send at least one row, an object of column name to value.");
        }

        if (request.Rows.Length > options.MaxPredictionRows)
        {
            throw new PayloadTooLargeException(
                $"A request may hold at most {options.MaxPredictionRows} rows (got {request.Rows.Length}); split it or raise OrleansMl__MaxPredictionRows.");
        }

        var resolved = await GrainFactory.GetGrain<IModelGrain>(model).ResolveAsync(request.Version, request.Alias);
        var predictor = await GetPredictorAsync(resolved);
        var predictions = ImmutableArray.CreateBuilder<Prediction>(request.Rows.Length);
        for (var i = 0; i < request.Rows.Length; i++)
        {
            try
            {
                predictions.Add(predictor.Predict(request.Rows[i]));
            }
            catch (InvalidPredictionInputException ex) when (request.Rows.Length > 1)
            {
                throw new InvalidPredictionInputException($"rows[{i}]: {ex.Message}");
            }
        }

        return new PredictionResult(model, resolved.Version, resolved.Alias, predictions.MoveToImmutable());
    }

    private async ValueTask<ModelPredictor> GetPredictorAsync(ResolvedVersion resolved)
    {
        var key = ModelCache.Key(resolved);
        if (_predictors.TryGetValue(key, out var predictor))
        {
            return predictor;
        }

        var loaded = await models.GetAsync(resolved);
        if (_predictors.Count >= MaxPredictors)
        {
            _predictors.Clear();
        }

        predictor = loaded.CreatePredictor();
        _predictors[key] = predictor;
        return predictor;
    }
}
