using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansMl.Hosting;
using OrleansMl.Ml;

namespace OrleansMl.Predictions;

/// <summary>
/// A per-silo replica that scores rows for one model. Each activation handles one request at a time and owns its
/// predictors (ML.NET row mappers must not be shared across threads); Orleans adds replicas under load. The version
/// comes from this silo's routing table; only a version not yet loaded on this silo costs a call (to its version grain,
/// for the artifact and signature).
/// </summary>
[StatelessWorker]
public sealed class PredictorGrain(ModelCache models, ModelRouteCache routes, IOptions<OrleansMlOptions> options) : Grain, IPredictorGrain
{
    private const int MaxPredictors = 8;

    private readonly Dictionary<int, ModelPredictor> _predictors = [];

    public async Task<PredictionResult> PredictAsync(PredictionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = this.GetPrimaryKeyString();
        if (request.Rows.IsDefaultOrEmpty)
        {
            throw new InvalidPredictionInputException("rows is empty: send at least one row, an object of column name to value.");
        }

        var maxRows = options.Value.MaxPredictionRows;
        if (request.Rows.Length > maxRows)
        {
            throw new PayloadTooLargeException(
                $"A request may hold at most {maxRows} rows (got {request.Rows.Length}); split it or raise OrleansMl__MaxPredictionRows.");
        }

        var route = await ResolveAsync(model, request);
        var predictor = await GetPredictorAsync(model, route.Version);
        cancellationToken.ThrowIfCancellationRequested();
        return new PredictionResult(model, route.Version, route.Alias, predictor.Predict(request.Rows));
    }

    /// <summary>
    /// Resolves from this silo's routing table (kept current by the model grain), so predictions do not all pass
    /// through the one model activation; anything the table cannot serve goes to the model grain for the answer or
    /// the precise error.
    /// </summary>
    private async ValueTask<VersionRoute> ResolveAsync(string model, PredictionRequest request)
    {
        var table = routes.Get(model);
        if (table is null)
        {
            table = await GrainFactory.GetGrain<IModelRoutesSource>(model).GetRoutesAsync();
            routes.Offer(table);
        }

        if (table.TryResolve(request.Version, request.Alias) is { } route)
        {
            return route;
        }

        var resolved = await GrainFactory.GetGrain<IModelGrain>(model).ResolveAsync(request.Version, request.Alias);
        return new VersionRoute(resolved.Version, resolved.Alias);
    }

    private async ValueTask<ModelPredictor> GetPredictorAsync(string model, int version)
    {
        if (_predictors.TryGetValue(version, out var predictor))
        {
            return predictor;
        }

        var loaded = await models.GetAsync(model, version, async () =>
        {
            var info = await GrainFactory.GetModelVersion(model, version).GetAsync();
            return info is { ArtifactHash: { } hash, Signature: { } signature }
                ? (hash, signature)
                : throw new VersionNotReadyException($"Version {version} of model '{model}' has no trained model to load.");
        });
        if (_predictors.Count >= MaxPredictors)
        {
            _predictors.Clear();
        }

        predictor = loaded.CreatePredictor();
        _predictors[version] = predictor;
        return predictor;
    }
}
