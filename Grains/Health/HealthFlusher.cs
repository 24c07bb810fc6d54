using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansMl.Health;

/// <summary>
/// Sends this silo's <see cref="PredictionStats"/> to each model's <see cref="IModelHealthGrain"/> about once a second:
/// one one-way call per model with traffic, however many predictions it served. Counts that cannot be sent (the
/// cluster is starting or stopping) are dropped: they are live statistics, not acknowledged data.
/// </summary>
public sealed partial class HealthFlusher(PredictionStats stats, IGrainFactory grains, TimeProvider time, ILogger<HealthFlusher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Flush();
        }
    }

    /// <summary>Sends what was counted since the last flush.</summary>
    public void Flush()
    {
        foreach (var (model, versions) in stats.Take())
        {
            try
            {
                _ = grains.GetGrain<IModelHealthGrain>(model).ReportAsync(versions.ToImmutableDictionary());
            }
            catch (Exception ex)
            {
                LogFlushFailed(logger, ex, model);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not send the live statistics of model {Model}; they are dropped")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string model);
}
