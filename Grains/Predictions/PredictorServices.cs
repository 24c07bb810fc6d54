using Microsoft.Extensions.Options;
using OrleansMl.Health;
using OrleansMl.Hosting;

namespace OrleansMl.Predictions;

/// <summary>What every <see cref="PredictorReplica"/> on a silo shares: the loaded models, the routes, the statistics.</summary>
public sealed class PredictorServices(
    ModelCache models, ModelRouteCache routes, IOptions<OrleansMlOptions> options, PredictionIds ids, PredictionStats stats,
    ShadowScorer shadow, TimeProvider time, IGrainFactory grains)
{
    public ModelCache Models { get; } = models;

    public ModelRouteCache Routes { get; } = routes;

    public OrleansMlOptions Options => options.Value;

    public PredictionIds Ids { get; } = ids;

    public PredictionStats Stats { get; } = stats;

    public ShadowScorer Shadow { get; } = shadow;

    public TimeProvider Time { get; } = time;

    public IGrainFactory Grains { get; } = grains;
}
