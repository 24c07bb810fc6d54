namespace OrleansMl.Hosting;

/// <summary>Rollouts and shadow scoring (section <c>OrleansMl:Rollouts</c>).</summary>
public sealed class RolloutOptions
{
    /// <summary>How often a running rollout's guard and steps are checked (<c>OrleansMl__Rollouts__EvaluationInterval</c>, default 00:00:02).</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Requests a silo holds for shadow scoring (<c>OrleansMl__Rollouts__ShadowQueueCapacity</c>, default 1024); when
    /// it is full, further requests are not shadowed and are counted as dropped.
    /// </summary>
    public int ShadowQueueCapacity { get; set; } = 1024;
}
