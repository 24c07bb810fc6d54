using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// Keeps <see cref="KeyTable"/> current: every two seconds it asks the key registry for its table, which comes back
/// only when the revision changed, so a revocation reaches every gateway within seconds at the cost of one small call.
/// </summary>
internal sealed partial class KeyTableRefresher(IGrainFactory grains, KeyTable table, TimeProvider time, ILogger<KeyTableRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private int _failures;

    /// <summary>Refreshes now (after this gateway changed a key, so the change applies here at once).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var registry = grains.GetGrain<IApiKeyRegistryGrain>(IApiKeyRegistryGrain.Key);
        var changed = await registry.GetTableAsync(table.Revision).WaitAsync(CallTimeout, time, cancellationToken);
        if (changed is null)
        {
            table.Confirm();
        }
        else
        {
            table.Apply(changed);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
                if (_failures > 0)
                {
                    LogRecovered(logger, _failures);
                }

                _failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The co-hosted silo may still be starting, or the cluster failing over: keep the last table and retry.
                if (++_failures % 15 == 0 || (_failures == 1 && table.Loaded))
                {
                    LogFailed(logger, ex, _failures);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the API key table ({Failures} attempts in a row); stored keys are refused once it is a minute old")]
    private static partial void LogFailed(ILogger logger, Exception exception, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "The API key table is refreshed again after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, int failures);
}

/// <summary>Ready once the key table has been loaded: before that, stored keys cannot be checked.</summary>
internal sealed class KeyTableReadyCheck(KeyTable table) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(table.Loaded ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the API key table is not loaded yet"));
}
