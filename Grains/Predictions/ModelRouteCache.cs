using System.Collections.Concurrent;

namespace OrleansMl.Predictions;

/// <summary>
/// This silo's copy of each model's <see cref="ModelRoutes"/>. The model grain pushes a new table to every silo
/// before a promotion, rollback or newly succeeded version is acknowledged; entries also expire, which bounds
/// staleness should a push be lost.
/// </summary>
public sealed class ModelRouteCache(TimeProvider time)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (ModelRoutes Routes, DateTimeOffset Fetched)> _routes = new();

    public ModelRoutes? Get(string model) =>
        _routes.TryGetValue(model, out var entry) && time.GetUtcNow() - entry.Fetched < TimeToLive ? entry.Routes : null;

    /// <summary>Keeps <paramref name="routes"/> unless a newer revision is already held.</summary>
    public void Offer(ModelRoutes routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var now = time.GetUtcNow();
        _routes.AddOrUpdate(
            routes.Model,
            (routes, now),
            (_, held) => routes.Revision >= held.Routes.Revision ? (routes, now) : held);
    }
}
