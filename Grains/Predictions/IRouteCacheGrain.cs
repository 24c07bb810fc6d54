namespace OrleansMl.Predictions;

/// <summary>
/// One per silo, keyed by the silo's address and placed on it: the door through which a model grain updates that
/// silo's <see cref="ModelRouteCache"/>.
/// </summary>
[Alias("OrleansMl.IRouteCacheGrain")]
public interface IRouteCacheGrain : IGrainWithStringKey
{
    [Alias("Offer")]
    Task OfferAsync(ModelRoutes routes);
}
