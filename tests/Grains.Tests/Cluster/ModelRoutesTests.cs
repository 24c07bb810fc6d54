using System.Collections.Immutable;
using Microsoft.Extensions.Time.Testing;
using OrleansMl.Predictions;

namespace OrleansMl.Tests.Cluster;

public sealed class ModelRoutesTests
{
    [Fact]
    public void TryResolve_FollowsVersionThenAliasThenProductionThenNewest()
    {
        var routes = Routes(revision: 1, aliases: new() { ["production"] = 1, ["staging"] = 3 }, servable: [1, 3]);
        var noProduction = Routes(revision: 1, aliases: [], servable: [1, 3]);

        Assert.Equal((3, null), Pick(routes.TryResolve(3, "production")));
        Assert.Equal((3, "staging"), Pick(routes.TryResolve(null, "staging")));
        Assert.Equal((1, "production"), Pick(routes.TryResolve(null, null)));
        Assert.Equal((3, null), Pick(noProduction.TryResolve(null, null)));
    }

    [Fact]
    public void TryResolve_LeavesAnythingNotServableToTheModelGrain()
    {
        var routes = Routes(revision: 1, aliases: new() { ["production"] = 2 }, servable: [1]);

        Assert.Null(routes.TryResolve(2, null));
        Assert.Null(routes.TryResolve(null, "staging"));
        Assert.Null(routes.TryResolve(null, null));
        Assert.Null(Routes(revision: 0, aliases: [], servable: []).TryResolve(null, null));
    }

    [Fact]
    public void Cache_KeepsTheNewestRevision_AndForgetsStaleEntries()
    {
        var time = new FakeTimeProvider();
        var cache = new ModelRouteCache(time);

        cache.Offer(Routes(revision: 5, aliases: new() { ["production"] = 2 }, servable: [1, 2]));
        cache.Offer(Routes(revision: 4, aliases: new() { ["production"] = 1 }, servable: [1, 2]));
        Assert.Equal(2, cache.Get("m")!.Aliases["production"]);

        time.Advance(ModelRouteCache.TimeToLive);
        Assert.Null(cache.Get("m"));
    }

    private static (int, string?) Pick(VersionRoute? route) => (route!.Value.Version, route.Value.Alias);

    private static ModelRoutes Routes(long revision, Dictionary<string, int> aliases, int[] servable) =>
        new("m", revision, aliases.ToImmutableDictionary(), [.. servable]);
}
