using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansMl.Diagnostics;
using OrleansMl.Hosting;
using OrleansMl.Ml;

namespace OrleansMl.Predictions;

/// <summary>
/// A per-silo replica that scores rows for one model. Each activation handles one request at a time and owns its
/// predictors (ML.NET row mappers must not be shared across threads); Orleans adds replicas under load. The version
/// comes from this silo's routing table; only a version not yet loaded on this silo costs a call (to its version grain,
/// for the artifact and signature). Predictions are counted here, where they are served, whoever calls.
/// </summary>
[StatelessWorker]
public sealed class PredictorGrain(ModelCache models, ModelRouteCache routes, IOptions<OrleansMlOptions> options) : Grain, IPredictorGrain
{
    private const int MaxPredictors = 8;

    private readonly Dictionary<int, ModelPredictor> _predictors = [];
    private string? _model;

    private string Model => _model ??= this.GetPrimaryKeyString();

    public async Task<PredictionResult> PredictAsync(PredictionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (request.Rows.IsDefaultOrEmpty)
            {
                throw new InvalidPredictionInputException("rows is empty: send at least one row, an object of column name to value.");
            }

            CheckSize(request.Rows.Length);
            var route = await ResolveAsync(request.Version, request.Alias);
            var predictor = await GetPredictorAsync(route.Version);
            cancellationToken.ThrowIfCancellationRequested();
            var result = new PredictionResult(Model, route.Version, route.Alias, predictor.Predict(request.Rows));
            OrleansMlMetrics.Predicted(Model, route.Version, request.Rows.Length, started);
            return result;
        }
        catch (Exception ex) when (Failed(ex))
        {
            throw;
        }
    }

    public Task<BatchPrediction> PredictBatchAsync(PredictionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (batch.Rows <= 0)
            {
                throw new InvalidPredictionInputException("rows is empty: send at least one row, an object of column name to value.");
            }

            CheckSize(batch.Rows);

            // The usual case completes here without an await: the route is in this silo's table, the version loaded.
            if (routes.Get(Model)?.Resolve(batch.Version, batch.Alias) is { } route && _predictors.TryGetValue(route.Version, out var predictor))
            {
                return Task.FromResult(Score(predictor, route, batch, started));
            }
        }
        catch (Exception ex) when (Failed(ex))
        {
            throw;
        }

        return PredictBatchSlowAsync(batch, started);
    }

    private async Task<BatchPrediction> PredictBatchSlowAsync(PredictionBatch batch, long started)
    {
        try
        {
            var route = await ResolveAsync(batch.Version, batch.Alias);
            return Score(await GetPredictorAsync(route.Version), route, batch, started);
        }
        catch (Exception ex) when (Failed(ex))
        {
            throw;
        }
    }

    private BatchPrediction Score(ModelPredictor predictor, VersionRoute route, PredictionBatch batch, long started)
    {
        var scored = predictor.Predict(batch);
        var signature = predictor.Signature;
        var result = new BatchPrediction(
            Model, route.Version, route.Alias, signature.Task, signature.Classes, predictor.ClassValues,
            ImmutableCollectionsMarshal.AsImmutableArray(scored.Labels),
            ImmutableCollectionsMarshal.AsImmutableArray(scored.Scores),
            ImmutableCollectionsMarshal.AsImmutableArray(scored.Probabilities));
        OrleansMlMetrics.Predicted(Model, route.Version, scored.Count, started);
        return result;
    }

    private void CheckSize(int rows)
    {
        var maxRows = options.Value.MaxPredictionRows;
        if (rows > maxRows)
        {
            throw new PayloadTooLargeException(
                $"A request may hold at most {maxRows} rows (got {rows}); split it or raise OrleansMl__MaxPredictionRows.");
        }
    }

    /// <summary>Counts a failed prediction; never catches it.</summary>
    private bool Failed(Exception exception)
    {
        // An unknown model's name came from the caller: it gets no series of its own.
        OrleansMlMetrics.PredictionFailed(exception is ModelNotFoundException ? "" : Model, OrleansMlMetrics.Reason(exception));
        return false;
    }

    /// <summary>
    /// Resolves from this silo's routing table (kept current by the model grain), so predictions do not all pass
    /// through the one model activation; anything the table cannot serve goes to the model grain for the answer or
    /// the precise error.
    /// </summary>
    private async ValueTask<VersionRoute> ResolveAsync(int? version, string? alias)
    {
        var table = routes.Get(Model);
        if (table is null)
        {
            routes.Offer(await GrainFactory.GetGrain<IModelRoutesSource>(Model).GetRoutesAsync());
            table = routes.Get(Model);
        }

        if (table?.Resolve(version, alias) is { } route)
        {
            return route;
        }

        var resolved = await GrainFactory.GetGrain<IModelGrain>(Model).ResolveAsync(version, alias);
        return new VersionRoute(resolved.Version, resolved.Alias);
    }

    private async ValueTask<ModelPredictor> GetPredictorAsync(int version)
    {
        if (_predictors.TryGetValue(version, out var predictor))
        {
            return predictor;
        }

        var model = Model;
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
