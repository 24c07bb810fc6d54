using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansMl.Gateway.Extensions;

/// <summary>Ready when the cluster answers: a cheap read of the catalog grain within two seconds.</summary>
public sealed class SiloReadyCheck(IGrainFactory grains, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("stopping");
        }

        try
        {
            await grains.GetGrain<ICatalogGrain>(CatalogIndex.ShardKey(0)).GetModelsAsync(null, 1).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the cluster did not answer", ex);
        }
    }
}
