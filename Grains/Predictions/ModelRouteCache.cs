using System.Collections.Concurrent;

namespace OrleansMl.Predictions;

/// <summary>
/// This silo's copy of each model's <see cref="ModelRoutes"/>, ready to resolve (<see cref="RouteTable"/>). The model grain
/// pushes a new table to every silo before a promotion, rollback or newly succeeded version is acknowledged; entries also
/// expire, which bounds staleness should a push be lost.
/// </summary>
public sealed class ModelRouteCache(TimeProvider time)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, RouteTable> _routes = new(StringComparer.Ordinal);
    private readonly long _timeToLive = (long)(TimeToLive.TotalSeconds * time.TimestampFrequency);

    /// <summary>The model's table, or null when this silo holds none or only an expired one.</summary>
    public RouteTable? Get(string model) =>
        _routes.TryGetValue(model, out var table) && time.GetTimestamp() < table.ExpiresAt ? table : null;

    /// <summary>Keeps <paramref name="routes"/> unless a newer revision is already held.</summary>
    public void Offer(ModelRoutes routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var table = new RouteTable(routes, time.GetTimestamp() + _timeToLive);
        _routes.AddOrUpdate(
            routes.Model,
            static (_, table) => table,
            static (_, held, table) => table.Routes.Revision >= held.Routes.Revision ? table : held,
            table);
    }
}
