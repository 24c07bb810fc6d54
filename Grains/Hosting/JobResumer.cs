using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrleansMl.Hosting;

/// <summary>
/// After the silo starts, reads every model once: a version that was queued or running when the process stopped is
/// re-activated by that read and runs again.
/// </summary>
public sealed partial class JobResumer(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<JobResumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WaitForStartAsync(stoppingToken);
        for (var attempt = 1; attempt <= 5 && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var models = await grains.GetGrain<ICatalogGrain>(ICatalogGrain.Key).GetModelNamesAsync();
                foreach (var model in models)
                {
                    try
                    {
                        await grains.GetGrain<IModelGrain>(model).GetAsync();
                    }
                    catch (ModelNotFoundException)
                    {
                        // Listed before its first version was recorded: nothing to resume.
                    }
                }

                LogScanned(logger, models.Length);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRetry(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), stoppingToken);
            }
        }
    }

    private Task WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Checked {Count} models for interrupted training jobs")]
    private static partial void LogScanned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resuming interrupted jobs failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, int attempt);
}
