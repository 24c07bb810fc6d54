using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansMl.Datasets;
using OrleansMl.Diagnostics;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Storage;
using OrleansMl.Work;

namespace OrleansMl.Models;

/// <summary>
/// Trains itself. The job runs as a background task of the activation: it waits for a per-silo training slot,
/// fits on the thread pool, and records every transition durably, so reads and cancellation are served while it
/// runs. An activation that finds a queued or running job in storage (after a crash or restart) runs it again.
/// </summary>
public sealed partial class ModelVersionGrain(
    [PersistentState("version", StorageNames.Grains)] IPersistentState<VersionState> state,
    DatasetFrameLoader frames,
    IArtifactStore artifacts,
    TrainingWorker worker,
    ModelTrainer trainer,
    OrleansMlOptions options,
    TimeProvider time,
    ILogger<ModelVersionGrain> logger) : Grain, IModelVersionGrain, IRemindable, IDisposable
{
    private const string ResumeReminder = "resume";

    // The job's continuations interleave with requests on this activation: every write goes through one gate and
    // computes its next state from the current one, so a cancellation is never overwritten by a finishing job.
    private readonly SemaphoreSlim _writes = new(1, 1);
    private CancellationTokenSource? _cancellation;
    private Task? _job;
    private volatile Box<TrainingProgress>? _live;

    private ModelVersionInfo Info => state.State.Info;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !Info.Status.IsTerminal())
        {
            LogResuming(logger, this.GetPrimaryKeyString(), Info.Status);
            OrleansMlMetrics.TrainingResumed();
            StartJob();
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A job cut short by deactivation stays queued/running in storage and resumes on the next activation.
        _cancellation?.Cancel();
        return Task.CompletedTask;
    }

    public async Task<ModelVersionInfo> StartAsync(TrainingSpec spec)
    {
        if (state.RecordExists)
        {
            return Current();
        }

        var (model, version) = ModelVersionKey.Parse(this.GetPrimaryKeyString());
        await UpdateStateAsync(_ => new ModelVersionInfo(
            model, version, TrainingStatus.Queued, 0, "queued", spec, null, ImmutableDictionary<string, double>.Empty,
            TrainingTimings.None, null, null, null, time.GetUtcNow(), null, null, 0));

        // Durable wake-up call: if this silo dies, the reminder re-activates the version elsewhere to finish the job.
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartJob();
        return Current();
    }

    public Task<ModelVersionInfo> GetAsync() => Task.FromResult(Current());

    public async Task<ModelVersionInfo> CancelAsync()
    {
        RequireState();
        // The model grain records the answer itself; notifying it from here would call back into a caller that waits.
        if (_cancellation is not null)
        {
            await _cancellation.CancelAsync();
        }

        if (await UpdateStateAsync(info => info.Status.IsTerminal()
            ? null
            : info with { Status = TrainingStatus.Cancelled, Stage = "cancelled", CompletedAt = time.GetUtcNow() }))
        {
            OrleansMlMetrics.TrainingEnded(Info);
            await StopRemindingAsync();
        }

        return Current();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.RecordExists && !Info.Status.IsTerminal())
        {
            StartJob();
        }
        else
        {
            await StopRemindingAsync();
        }
    }

    public Task EnsureProgressingAsync()
    {
        if (state.RecordExists && !Info.Status.IsTerminal())
        {
            StartJob();
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _cancellation?.Dispose();
        _writes.Dispose();
    }

    private ModelVersionInfo Current()
    {
        RequireState();
        return _live?.Value is { } live && !Info.Status.IsTerminal()
            ? Info with { Stage = live.Stage, Progress = Math.Round(live.Fraction, 3) }
            : Info;
    }

    private void RequireState()
    {
        if (!state.RecordExists)
        {
            var (model, version) = ModelVersionKey.Parse(this.GetPrimaryKeyString());
            throw new ModelVersionNotFoundException($"Model '{model}' has no version {version}.");
        }
    }

    private void StartJob()
    {
        if (_job is { IsCompleted: false })
        {
            return;
        }

        _cancellation?.Dispose();
        _cancellation = new CancellationTokenSource();
        _job = RunJobAsync(_cancellation.Token);
    }

    private async Task RunJobAsync(CancellationToken cancellationToken)
    {
        // Let the call that queued the job answer first ("queued"); the job continues on this activation's scheduler.
        await Task.Yield();
        // Keeps the activation alive while the job runs, however long no one calls it.
        using var keepAlive = this.RegisterGrainTimer(
            static _ => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)) { KeepAlive = true });
        var total = Stopwatch.StartNew();
        try
        {
            if (Info.Attempts >= options.MaxTrainingAttempts)
            {
                await FinishAsync(info => info with
                {
                    Status = TrainingStatus.Failed,
                    Stage = "failed",
                    Error = $"The job was interrupted {info.Attempts} times (the process stopped while it ran). Train a new version to try again.",
                });
                return;
            }

            if (Info.Status == TrainingStatus.Running)
            {
                // Left running by a process that stopped: it waits for a slot again like any queued job.
                await UpdateStateAsync(info => info.Status.IsTerminal() ? null : info with { Status = TrainingStatus.Queued, Stage = "queued", Progress = 0 });
            }

            using var slot = await worker.AcquireAsync(cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            await UpdateStateAsync(info => info.Status.IsTerminal() ? null : info with
            {
                Status = TrainingStatus.Running,
                Stage = "loading",
                Progress = 0.02,
                StartedAt = time.GetUtcNow(),
                Attempts = info.Attempts + 1,
            });
            LogStarted(logger, this.GetPrimaryKeyString(), Info.Attempts);

            var spec = Info.Spec;
            var load = Stopwatch.StartNew();
            var (frame, hit) = await frames.GetAsync(spec.Dataset, spec.DatasetHash, cancellationToken);
            var loadMs = load.Elapsed.TotalMilliseconds;

            var reporter = new LiveProgress(p => _live = new(p));
            var trained = await BoundedWorker.RunAsync(() => trainer.Train(frame, spec, reporter, cancellationToken), cancellationToken);

            _live = new(new TrainingProgress("saving", 0.97));
            var artifact = await artifacts.PutAsync(trained.ModelBytes, cancellationToken);
            await FinishAsync(info => info with
            {
                Status = TrainingStatus.Succeeded,
                Stage = "done",
                Progress = 1,
                Algorithm = trained.Algorithm,
                Metrics = trained.Metrics,
                Signature = trained.Signature,
                ArtifactHash = artifact.ContentHash,
                Timings = new TrainingTimings(
                    Math.Round(slot.Waited.TotalMilliseconds, 1), Math.Round(loadMs, 1), Math.Round(trained.TrainingMs, 1),
                    Math.Round(trained.EvaluationMs, 1), Math.Round(total.Elapsed.TotalMilliseconds, 1), hit),
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled by CancelAsync (already recorded) or by deactivation (resumes on the next activation).
        }
        catch (OrleansMlException ex)
        {
            await FailAsync(ex.Message);
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, this.GetPrimaryKeyString());
            await FailAsync($"Training failed unexpectedly: {ex.Message}");
        }
        finally
        {
            _live = null;
        }
    }

    private Task FailAsync(string error) =>
        FinishAsync(info => info with { Status = TrainingStatus.Failed, Stage = "failed", Error = error });

    /// <summary>Records a terminal state unless the job already ended (e.g. it was cancelled meanwhile).</summary>
    private async Task FinishAsync(Func<ModelVersionInfo, ModelVersionInfo> finish)
    {
        if (await UpdateStateAsync(info => info.Status.IsTerminal() ? null : finish(info) with { CompletedAt = time.GetUtcNow() }))
        {
            LogFinished(logger, this.GetPrimaryKeyString(), Info.Status);
            OrleansMlMetrics.TrainingEnded(Info);
            await StopRemindingAsync();
            await NotifyModelAsync();
        }
    }

    private async Task StopRemindingAsync()
    {
        try
        {
            if (await this.GetReminder(ResumeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex)
        {
            // A leftover reminder only wakes a finished version, which then removes it.
            LogReminderCleanupFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    private async Task NotifyModelAsync()
    {
        try
        {
            await GrainFactory.GetGrain<IModelVersionListener>(Info.Model).OnVersionChangedAsync(Info);
        }
        catch (Exception ex)
        {
            // The registry refreshes unfinished versions when it is read, so a lost notification heals itself.
            LogNotifyFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    /// <summary>Applies <paramref name="change"/> to the current state and writes it; null means no change.</summary>
    private async Task<bool> UpdateStateAsync(Func<ModelVersionInfo, ModelVersionInfo?> change)
    {
        await _writes.WaitAsync();
        try
        {
            var next = change(state.RecordExists ? Info : null!);
            if (next is null)
            {
                return false;
            }

            state.State = new VersionState(next);
            await state.WriteStateAsync();
            return true;
        }
        finally
        {
            _writes.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming {Version}, found {Status} after activation")]
    private static partial void LogResuming(ILogger logger, string version, TrainingStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Version} started (attempt {Attempt})")]
    private static partial void LogStarted(ILogger logger, string version, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Version} ended {Status}")]
    private static partial void LogFinished(ILogger logger, string version, TrainingStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training {Version} failed unexpectedly")]
    private static partial void LogFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the resume reminder of {Version}")]
    private static partial void LogReminderCleanupFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify the model of {Version}'s new state")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string version);

    /// <summary>Boxes a report so the training thread publishes it with one atomic reference write.</summary>
    private sealed record Box<T>(T Value);

    /// <summary>Records the latest report from the training thread; the grain reads it when asked for status.</summary>
    private sealed class LiveProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
