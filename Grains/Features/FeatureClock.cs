namespace OrleansMl.Features;

/// <summary>
/// The clock the feature store measures TTLs and windows with: a keyed <see cref="TimeProvider"/> that defaults to the
/// silo's own, so tests can move feature time alone without moving the cluster's timers.
/// </summary>
public static class FeatureClock
{
    /// <summary>The service key of the feature store's <see cref="TimeProvider"/>.</summary>
    public const string ServiceKey = "orleansml-features";

    /// <summary>How far in the future an event's timestamp may be (clock skew between producers and silos).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);
}
