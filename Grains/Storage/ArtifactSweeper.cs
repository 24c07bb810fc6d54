using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;

namespace OrleansMl.Storage;

/// <summary>
/// Keeps the artifact store to what is in use, on every silo every <c>OrleansMl__SweepInterval</c>: removes staged
/// uploads and temporary files that nobody touched for <c>OrleansMl__StagedUploadMaxAge</c> (a client that went away
/// mid-upload, a process that stopped mid-write) and content whose release a failure interrupted, and asks the owner
/// of every reference left unconfirmed for that long whether its state names the content: confirmed if it does,
/// released (and the content deleted with its last reference) if it does not. Each step is idempotent, so silos that
/// share a store (cluster mode) may sweep at the same time.
/// </summary>
public sealed partial class ArtifactSweeper(
    IArtifactStore artifacts,
    IGrainFactory grains,
    IOptions<OrleansMlOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ArtifactSweeper> logger) : BackgroundService
{
    /// <summary>Runs one sweep now; returns how many items it removed or released.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken = default)
    {
        var age = options.Value.StagedUploadMaxAge;
        var removed = await artifacts.SweepAsync(age, cancellationToken);
        foreach (var reference in await artifacts.GetUnconfirmedReferencesAsync(age, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ArtifactOwners.TryParse(reference.Owner, out var kind, out var name, out var version))
            {
                LogUnknownOwner(logger, reference.Owner);
                continue;
            }

            var owner = kind == "dataset"
                ? grains.GetGrain<IDatasetGrain>(name).AsReference<IArtifactReferrer>()
                : grains.GetModelVersion(name, version).AsReference<IArtifactReferrer>();
            if (await owner.HoldsAsync(reference.Hash, version))
            {
                await artifacts.ConfirmReferenceAsync(reference.Hash, reference.Owner, cancellationToken);
            }
            else
            {
                await artifacts.ReleaseReferenceAsync(reference.Hash, reference.Owner, cancellationToken);
                removed++;
            }
        }

        if (removed > 0)
        {
            LogSwept(logger, removed);
        }

        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Artifact sweep removed or released {Count} items")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Artifact sweep failed; the next one tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Artifact reference of unknown owner {Owner} left alone")]
    private static partial void LogUnknownOwner(ILogger logger, string owner);
}
