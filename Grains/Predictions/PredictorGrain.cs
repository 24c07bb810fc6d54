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
public sealed class PredictorGrain(ModelCache models, ModelRouteCache routes, OrleansMlOptions options) : Grain, IPredictorGrain
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

        var resolved = await ResolveAsync(model, request);
        var predictor = await GetPredictorAsync(resolved);
        return new PredictionResult(model, resolved.Version, resolved.Alias, predictor.Predict(request.Rows));
    }

    /// <summary>
    /// Resolves from this silo's routing table (kept current by the model grain), so predictions do not all pass
    /// through the one model activation; anything the table cannot serve goes to the model grain for the answer or
    /// the precise error.
    /// </summary>
    private async ValueTask<ResolvedVersion> ResolveAsync(string model, PredictionRequest request)
    {
        var table = routes.Get(model);
        if (table is null)
        {
            table = await GrainFactory.GetGrain<IModelRoutesSource>(model).GetRoutesAsync();
            routes.Offer(table);
        }

        return table.TryResolve(request.Version, request.Alias)
            ?? await GrainFactory.GetGrain<IModelGrain>(model).ResolveAsync(request.Version, request.Alias);
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
