using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using OrleansMl.Diagnostics;
using OrleansMl.Features;
using OrleansMl.Health;
using OrleansMl.Ml;

namespace OrleansMl.Predictions;

/// <summary>
/// One replica of a model's predictions on this silo: the predictors of the versions it served (ML.NET row mappers
/// must not be shared across threads) and their drift samplers, so it serves one call at a time. A
/// <see cref="PredictorGrain"/> activation holds one; <see cref="LocalPredictors"/> lends them to the calls of a process
/// that hosts the silo. The version comes from this silo's routing table; only a version not yet loaded by the replica
/// costs a call (to its version grain, for the artifact and signature, on the silo's first load). Predictions are
/// counted here, where they are served, whoever calls.
/// </summary>
public sealed class PredictorReplica(string model, PredictorServices services)
{
    private const int MaxPredictors = 8;

    private readonly Dictionary<int, ModelPredictor> _predictors = [];
    private readonly Dictionary<int, DriftSampler> _drift = [];

    /// <summary>The model this replica serves.</summary>
    public string Model { get; } = model;

    /// <summary>
    /// <see cref="IPredictorGrain.PredictBatchAsync"/>. An input it can refuse at once (no rows, too many) is thrown
    /// before a task is returned; the usual prediction returns a completed task.
    /// </summary>
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
            if (services.Routes.Get(Model) is { } table && table.Resolve(batch.Version, batch.Alias) is { } resolved)
            {
                var (route, split) = table.HasSplits ? Arm(table, resolved, batch) : (resolved, null);
                if (_predictors.TryGetValue(route.Version, out var predictor))
                {
                    return Task.FromResult(Score(predictor, route, split, batch, started));
                }
            }
        }
        catch (Exception ex) when (Failed(ex))
        {
            throw;
        }

        return PredictBatchSlowAsync(batch, started);
    }

    /// <summary><see cref="IPredictorGrain.PredictEnrichedAsync"/>.</summary>
    public async Task<BatchPrediction> PredictEnrichedAsync(PredictionBatch batch, ImmutableArray<string> features)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (features.IsDefaultOrEmpty)
        {
            return await PredictBatchAsync(batch);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            if (batch.Rows <= 0)
            {
                throw new InvalidPredictionInputException("rows is empty: send at least one row, an object of column name to value.");
            }

            CheckSize(batch.Rows);
            FeatureJoin.Validate(features);

            // The version first: which features join depends on the inputs of the model that answers.
            var resolved = services.Routes.Get(Model)?.Resolve(batch.Version, batch.Alias) ?? await ResolveAsync(batch.Version, batch.Alias);
            var (route, split) = services.Routes.Get(Model) is { HasSplits: true } table ? Arm(table, resolved, batch) : (resolved, null);
            ModelPredictor predictor;
            try
            {
                predictor = await GetPredictorAsync(route.Version);
            }
            catch (Exception ex) when (ex is not InvalidPredictionInputException and not PayloadTooLargeException)
            {
                services.Stats.Failed(Model, route.Version);
                throw;
            }

            var joined = await FeatureJoin.JoinAsync(services.Grains, batch, features, predictor.Takes);
            return Score(predictor, route, split, joined, started);
        }
        catch (Exception ex) when (Failed(ex))
        {
            throw;
        }
    }

    private async Task<BatchPrediction> PredictBatchSlowAsync(PredictionBatch batch, long started)
    {
        try
        {
            var resolved = await ResolveAsync(batch.Version, batch.Alias);
            var (route, split) = services.Routes.Get(Model) is { HasSplits: true } table ? Arm(table, resolved, batch) : (resolved, null);
            try
            {
                return Score(await GetPredictorAsync(route.Version), route, split, batch, started);
            }
            catch (Exception ex) when (ex is not InvalidPredictionInputException and not PayloadTooLargeException)
            {
                services.Stats.Failed(Model, route.Version);
                throw;
            }
        }
        catch (Exception ex) when (Failed(ex))
        {
            throw;
        }
    }

    private BatchPrediction Score(ModelPredictor predictor, VersionRoute route, RouteSplit? split, PredictionBatch batch, long started)
    {
        var scored = predictor.Predict(batch);
        var signature = predictor.Signature;
        var regression = signature.Task == ModelTask.Regression;
        var now = services.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var binary = signature.Task == ModelTask.Binary && scored.Probabilities.Length == 2 * scored.Count;
        var predictionIds = services.Ids.CreateMany(Model, route.Version, now, regression, scored.Count, new IdSource(scored, regression, binary));

        var result = new BatchPrediction(
            Model, route.Version, route.Alias, signature.Task, signature.Classes, predictor.ClassValues,
            ImmutableCollectionsMarshal.AsImmutableArray(scored.Labels),
            ImmutableCollectionsMarshal.AsImmutableArray(scored.Scores),
            ImmutableCollectionsMarshal.AsImmutableArray(scored.Probabilities),
            ImmutableCollectionsMarshal.AsImmutableArray(predictionIds));
        OrleansMlMetrics.Predicted(Model, route.Version, scored.Count, started);
        services.Stats.Served(Model, route.Version, result, started);
        if (!_drift.TryGetValue(route.Version, out var drift))
        {
            _drift[route.Version] = drift = new DriftSampler(services.Stats.Inputs(Model, route.Version, signature));
        }

        drift.Observe(batch);
        if (split is { Mode: RolloutMode.Shadow })
        {
            OrleansMlMetrics.RolloutRequest(Model, route.Version, "baseline");
            services.Shadow.Offer(Model, split.Candidate, batch, result);
        }
        else if (split is not null)
        {
            OrleansMlMetrics.RolloutRequest(Model, route.Version, route.Version == split.Candidate ? "candidate" : "baseline");
        }

        return result;
    }

    /// <summary>What each row's prediction id says: the class index or value, and the positive class's probability.</summary>
    private readonly struct IdSource(ScoredRows scored, bool regression, bool binary) : IPredictedRows
    {
        public double Predicted(int row) => regression ? scored.Scores[row] : scored.Labels[row];

        public double Probability(int row) => binary ? scored.Probabilities[(2 * row) + 1] : double.NaN;
    }

    /// <summary>
    /// The arm of a rollout on the alias the request came through: a canary sends its share to the candidate (by the
    /// hash of the <c>stickyBy</c> value of the first row when the request has that column, else at random); a shadow
    /// keeps the baseline and hands the rows to the shadow scorer once answered.
    /// </summary>
    private static (VersionRoute Route, RouteSplit? Split) Arm(RouteTable table, VersionRoute route, PredictionBatch batch)
    {
        if (batch.Version is not null || table.Split(route) is not { } split)
        {
            return (route, null);
        }

        if (split.Mode == RolloutMode.Shadow)
        {
            return (route, split);
        }

        // The sticky column is found as the model's inputs are: its exact name first, then in any case.
        string? key = null;
        if (split.StickyBy is { } column && StickyColumn(batch.Columns, column) is var c and >= 0 && batch.Has(0, c) && !batch.Cell(0, c).IsMissing)
        {
            key = batch.Cell(0, c).ToString();
        }

        return (CanarySplit.ToCandidate(key, split.Weight) ? route with { Version = split.Candidate } : route, split);
    }

    private static int StickyColumn(ImmutableArray<string> columns, string column) =>
        columns.IndexOf(column) is var exact and >= 0 ? exact : columns.IndexOf(column, StringComparer.OrdinalIgnoreCase);

    private void CheckSize(int rows)
    {
        var maxRows = services.Options.MaxPredictionRows;
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
        var table = services.Routes.Get(Model);
        if (table is null)
        {
            services.Routes.Offer(await services.Grains.GetGrain<IModelRoutesSource>(Model).GetRoutesAsync());
            table = services.Routes.Get(Model);
        }

        if (table?.Resolve(version, alias) is { } route)
        {
            return route;
        }

        var resolved = await services.Grains.GetGrain<IModelGrain>(Model).ResolveAsync(version, alias);
        return new VersionRoute(resolved.Version, resolved.Alias);
    }

    private async ValueTask<ModelPredictor> GetPredictorAsync(int version)
    {
        if (_predictors.TryGetValue(version, out var predictor))
        {
            return predictor;
        }

        var name = Model;
        var loaded = await services.Models.GetAsync(name, version, async () =>
        {
            var info = await services.Grains.GetModelVersion(name, version).GetAsync();
            return info is { ArtifactHash: { } hash, Signature: { } signature }
                ? (hash, signature)
                : throw new VersionNotReadyException($"Version {version} of model '{name}' has no trained model to load.");
        });
        if (_predictors.Count >= MaxPredictors)
        {
            _predictors.Clear();
            _drift.Clear();
        }

        predictor = loaded.CreatePredictor();
        _predictors[version] = predictor;
        return predictor;
    }
}
