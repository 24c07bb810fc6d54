namespace OrleansMl.Predictions;

public sealed class RouteCacheGrain(ModelRouteCache cache, ILocalSiloDetails silo) : Grain, IRouteCacheGrain
{
    public Task OfferAsync(ModelRoutes routes)
    {
        // Placed by hint on the silo its key names; if that silo was gone, the update has no cache to reach.
        if (silo.SiloAddress.ToParsableString() == this.GetPrimaryKeyString())
        {
            cache.Offer(routes);
        }
        else
        {
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }
}
