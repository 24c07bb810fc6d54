using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMl.Models;
using OrleansMl.Schedules;

namespace OrleansMl.Hosting;

/// <summary>
/// After the silo starts, asks every model which versions it is still waiting for, and wakes each of them: a job that
/// was queued or running when the process stopped runs again, and an ended job whose notice was lost reports again.
/// Then it wakes every model schedule: its reminder is registered again and a run missed while the cluster was down runs once.
/// (Embedded mode keeps reminders in memory, so after a restart this is what resumes them; in a cluster the versions'
/// durable reminders do it too.)
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
                var models = await CatalogIndex.GetModelNamesAsync(grains);
                var woken = 0;
                foreach (var model in models)
                {
                    foreach (var version in await grains.GetGrain<IModelVersionListener>(model).GetPendingAsync())
                    {
                        await grains.GetModelVersion(model, version).EnsureProgressingAsync();
                        woken++;
                    }
                }

                LogScanned(logger, models.Length, woken);

                // Each schedule registers its reminder again (kept in memory in embedded mode) and runs a run it missed.
                var schedules = await grains.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).ListAsync();
                foreach (var model in schedules)
                {
                    await grains.GetGrain<IModelScheduleGrain>(model).EnsureScheduledAsync();
                }

                LogSchedules(logger, schedules.Length);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Checked {Count} models for interrupted training jobs; woke {Versions} versions")]
    private static partial void LogScanned(ILogger logger, int count, int versions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Woke {Count} model schedules")]
    private static partial void LogSchedules(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resuming interrupted jobs failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, int attempt);
}
