using System.Collections.Immutable;
using Orleans.Runtime.Placement;
using OrleansMl.Ml;

namespace OrleansMl.Trials;

/// <summary>The other active silos of the cluster, as workers of one <c>auto</c> search (<see cref="IRemoteTrials"/>).</summary>
public sealed class ClusterTrials : IRemoteTrials
{
    private readonly IGrainFactory _grains;
    private readonly ImmutableArray<SiloAddress> _silos;
    private readonly TrainingSpec _spec;
    private readonly Guid _search = Guid.NewGuid();

    private ClusterTrials(IGrainFactory grains, ImmutableArray<SiloAddress> silos, TrainingSpec spec) =>
        (_grains, _silos, _spec) = (grains, silos, spec);

    public int Count => _silos.Length;

    /// <summary>The other active silos for an <c>auto</c> training of <paramref name="spec"/>; null when there are none.</summary>
    public static async Task<ClusterTrials?> ForAsync(IGrainFactory grains, SiloAddress self, TrainingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Algorithm != TrainingAlgorithm.Auto)
        {
            return null;
        }

        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var others = hosts.Keys.Where(s => !s.Equals(self)).OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToImmutableArray();
        return others.IsEmpty ? null : new ClusterTrials(grains, others, spec);
    }

    public async Task<double?> ScoreAsync(int worker, int candidate, string algorithm, int fold, CancellationToken cancellationToken)
    {
        var silo = _silos[worker];
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return await _grains.GetGrain<ITrialGrain>(silo.ToParsableString())
                .ScoreAsync(new TrialRequest(_search, _spec, candidate, fold) { Algorithm = algorithm }, cancellationToken);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }
}
