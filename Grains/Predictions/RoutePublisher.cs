using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace OrleansMl.Predictions;

/// <summary>
/// Pushes a model's routing table to every active silo's <see cref="ModelRouteCache"/>, so predictions resolved on any
/// silo see a change on their next call. The model grain awaits it before it acknowledges the change. A silo that does
/// not answer in time keeps a table that expires on its own (<see cref="ModelRouteCache.TimeToLive"/>).
/// </summary>
public static partial class RoutePublisher
{
    private static readonly TimeSpan OfferTimeout = TimeSpan.FromSeconds(5);

    public static async Task PublishAsync(IGrainFactory grains, ModelRoutes routes, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(routes);
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            await Task.WhenAll(hosts.Keys.Select(silo => OfferToAsync(grains, silo, routes, logger)));
        }
        catch (Exception ex)
        {
            LogPublishFailed(logger, ex, routes.Model);
        }
    }

    private static async Task OfferToAsync(IGrainFactory grains, SiloAddress silo, ModelRoutes routes, ILogger logger)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            await grains.GetGrain<IRouteCacheGrain>(silo.ToParsableString()).OfferAsync(routes).WaitAsync(OfferTimeout);
        }
        catch (Exception ex)
        {
            LogPublishFailed(logger, ex, routes.Model);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not push the routes of model {Model} to every silo; stale copies expire on their own")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string model);
}
