using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Audit;
using OrleansMl.Datasets;
using OrleansMl.Diagnostics;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Storage;
using OrleansMl.Trials;
using OrleansMl.Work;

namespace OrleansMl.Models;

/// <summary>
/// The only owner of one model version: spec, status, progress, stage, metrics, timings, artifact, signature, error,
/// attempts and who asked for it. It trains itself: the job runs as a background task of the activation, waits for a
/// per-silo training slot, fits on the thread pool, and stores every transition, so reads and cancellation are served
/// while it runs. An activation that finds a queued or running job in storage (after a crash or restart) runs it again.
/// When the job ends, the version tells the model (<see cref="IModelVersionListener"/>) and keeps a durable reminder
/// until the model has taken note, so a lost notice is sent again.
/// </summary>
public sealed partial class ModelVersionGrain(
    [PersistentState("version", StorageNames.Grains)] IPersistentState<VersionState> state,
    DatasetFrameLoader frames,
    IArtifactStore artifacts,
    TrainingWorker worker,
    ModelTrainer trainer,
    IOptions<OrleansMlOptions> options,
    TimeProvider time,
    ILocalSiloDetails silo,
    ILogger<ModelVersionGrain> logger) : Grain, IModelVersionGrain, IModelVersionControl, IArtifactReferrer, IRemindable, IDisposable
{
    private const string ResumeReminder = "resume";
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan LongestHoldBack = TimeSpan.FromSeconds(10);

    // The job's continuations interleave with requests on this activation: every write goes through one gate and
    // computes its next state from the committed one, so a cancellation is never overwritten by a finishing job.
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly ChangeSignal _changed = new();

    // What storage holds; every read starts from here (or from _heldBack), never from state.State.
    private VersionState? _committed;

    // While the job announces its end to the model, readers still see the state before it: once a version reads as
    // succeeded, the model has published its routes, so a prediction or promotion that follows finds it servable.
    private VersionState? _heldBack;
    private CancellationTokenSource? _cancellation;
    private Guid _jobAllocation;
    private Task? _job;
    private Task? _replacedJob;
    private Task? _report;
    private volatile LiveProgress? _live;

    private string Key => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State : null;
        if (_committed is { } stored)
        {
            if (!stored.Info.Status.IsTerminal())
            {
                LogResuming(logger, Key, stored.Info.Status);
                OrleansMlMetrics.TrainingResumed();
                StartJob(stored.Allocation);
            }
            else if (!stored.Reported)
            {
                ReportInBackground();
            }
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A job cut short by deactivation stays queued/running in storage and resumes on the next activation; it is
        // awaited so that nothing it holds (the write gate, its training slot) is used after the activation is gone.
        _cancellation?.Cancel();
        foreach (var task in new[] { _job, _replacedJob, _report })
        {
            if (task is { IsCompleted: false })
            {
                try
                {
                    await task.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    LogStopTimedOut(logger, Key);
                }
            }
        }
    }

    public async Task<ModelVersionInfo> StartAsync(TrainingSpec spec, Guid allocation)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (_committed is { } current && current.Allocation == allocation)
        {
            return Present(current);
        }

        var (model, version) = ModelVersionKey.Parse(Key);
        var orphan = _committed is not null;
        var queued = new VersionState(
            new ModelVersionInfo(
                model, version, TrainingStatus.Queued, 0, "queued", spec, null, ImmutableDictionary<string, double>.Empty,
                TrainingTimings.None, null, null, null, time.GetUtcNow(), null, null, 0, Caller.Name),
            allocation);
        await UpdateStateAsync(_ => queued);
        if (orphan)
        {
            // Its job is cancelled by StartJob below and its writes no longer apply. It is not waited for: it may be
            // telling the model of its end while the model waits for this call.
            LogReplacingOrphan(logger, Key);
        }

        // Durable wake-up call: if this silo dies, the reminder re-activates the version elsewhere to finish the job.
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartJob(allocation);
        return Present(queued);
    }

    public Task<Guid?> GetAllocationAsync() => Task.FromResult(_committed?.Allocation);

    public async Task DeleteAsync()
    {
        _cancellation?.Cancel();
        await _writes.WaitAsync();
        try
        {
            if (_committed is not { } stored)
            {
                return;
            }

            // The model file first: a failure after it leaves a state nobody can reach (the registry removed it), which the
            // registry's next request deletes; the other way round could leave a file nobody would ever release.
            var (model, version) = ModelVersionKey.Parse(Key);
            if (stored.Info.ArtifactHash is { } hash)
            {
                await artifacts.ReleaseReferenceAsync(hash, ArtifactOwners.ModelVersion(model, version));
            }

            try
            {
                await state.ClearStateAsync();
            }
            catch (Exception ex)
            {
                LogDeleteFailed(logger, ex, Key);
                throw new StorageUnavailableException($"The state of version {version} of model '{model}' could not be deleted; it is deleted when asked again.");
            }

            _committed = null;
            _heldBack = null;
        }
        finally
        {
            _writes.Release();
            _changed.Notify();
        }

        await StopRemindingAsync();
        DeactivateOnIdle();
    }

    public Task<bool> HoldsAsync(string hash, int version) =>
        Task.FromResult(_committed is { } stored && stored.Info.Version == version && stored.Info.ArtifactHash == hash);

    public Task<ModelVersionInfo> GetAsync() => Task.FromResult(Shown());

    public async Task<ModelVersionInfo> WaitForChangeAsync(ModelVersionInfo known, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(known);
        var wait = timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout > LongestWait ? LongestWait : timeout;
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            var changed = _changed.Next;
            var now = Shown();
            var left = deadline - time.GetUtcNow();
            if (now.Status != known.Status || now.Stage != known.Stage || now.Progress != known.Progress || now.Attempts != known.Attempts
                || left <= TimeSpan.Zero)
            {
                return now;
            }

            try
            {
                await changed.WaitAsync(left, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return Shown();
            }
        }
    }

    public async Task<ModelEvaluation> EvaluateAsync(string dataset, int? datasetVersion, CancellationToken cancellationToken = default)
    {
        Names.Validate(dataset, "dataset");
        var info = Shown();
        if (info.Status != TrainingStatus.Succeeded || info.ArtifactHash is not { } hash || info.Signature is not { } signature)
        {
            throw new VersionNotReadyException(
                $"Version {info.Version} of model '{info.Model}' is {EnumWords.Word(info.Status)}; only a succeeded version can be evaluated.");
        }

        var source = GrainFactory.GetGrain<IDatasetGrain>(dataset);
        var target = datasetVersion is { } v ? await source.GetVersionAsync(v) : (await source.GetAsync()).Latest;
        if (target.IsDeleted)
        {
            throw new DatasetNotFoundException($"Version {target.Version} of dataset '{dataset}' was deleted: its rows are gone. Evaluate on another version.");
        }

        var clock = Stopwatch.StartNew();
        var (frame, _) = await frames.GetAsync(dataset, target.ContentHash, cancellationToken);
        byte[] model;
        await using (var stream = await artifacts.OpenReadAsync(hash, cancellationToken))
        using (var buffer = new MemoryStream())
        {
            await stream.CopyToAsync(buffer, cancellationToken);
            model = buffer.ToArray();
        }

        var outcome = await worker.RunBoundedAsync(() => ModelEvaluator.Evaluate(model, signature, frame, cancellationToken), cancellationToken);
        return new ModelEvaluation(
            info.Model, info.Version, dataset, target.Version, signature.Task, outcome.Rows, outcome.EvaluatedRows, outcome.MissingLabelRows,
            outcome.UnknownLabelRows, outcome.Metrics, info.Metrics, Math.Round(clock.Elapsed.TotalMilliseconds, 1));
    }

    public async Task<ModelVersionInfo> CancelAsync()
    {
        if (_committed is null)
        {
            throw NotFound();
        }

        var before = TrainingStatus.Queued;
        if (await UpdateStateAsync(s =>
        {
            before = s.Info.Status;
            return before.IsTerminal()
                ? null
                : s with { Info = s.Info with { Status = TrainingStatus.Cancelled, Stage = "cancelled", CompletedAt = time.GetUtcNow() } };
        }))
        {
            // Only once the cancellation is stored: a failed write leaves the job running, as the caller is told.
            _cancellation?.Cancel();
            OrleansMlMetrics.TrainingEnded(_committed!.Info);

            // Not awaited: the model may be the caller waiting for this answer.
            ReportInBackground();
            var (model, version) = ModelVersionKey.Parse(Key);
            await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.TrainingCancelled, $"models/{model}/versions/{version}",
                from: EnumWords.Word(before), to: EnumWords.Word(TrainingStatus.Cancelled));
        }

        return Present(_committed!);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (_committed)
        {
            case { Info.Status: var s } stored when !s.IsTerminal():
                StartJob(stored.Allocation);
                return Task.CompletedTask;
            case { Reported: false }:
                ReportInBackground();
                return Task.CompletedTask;
            default:
                return StopRemindingAsync();
        }
    }

    public Task EnsureProgressingAsync()
    {
        switch (_committed)
        {
            case { Info.Status: var s } stored when !s.IsTerminal():
                StartJob(stored.Allocation);
                break;
            case { Reported: false }:
                ReportInBackground();
                break;
            default:
                break;
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // A job or report still running (deactivation gave up waiting) may still use these: leave them to the collector.
        if (new[] { _job, _replacedJob, _report }.All(t => t is not { IsCompleted: false }))
        {
            _cancellation?.Dispose();
            _writes.Dispose();
        }
    }

    private ModelVersionInfo Shown() => Present(_heldBack ?? _committed ?? throw NotFound());

    /// <summary>The stored info, with the live progress of the running job (reported by the training thread) merged in.</summary>
    private ModelVersionInfo Present(VersionState stored) =>
        _live is { } live && live.Allocation == stored.Allocation && !stored.Info.Status.IsTerminal()
            ? stored.Info with { Stage = live.Progress.Stage, Progress = Math.Round(live.Progress.Fraction, 3) }
            : stored.Info;

    private ModelVersionNotFoundException NotFound()
    {
        var (model, version) = ModelVersionKey.Parse(Key);
        return new ModelVersionNotFoundException($"Model '{model}' has no version {version}.");
    }

    private void StartJob(Guid allocation)
    {
        if (_job is { IsCompleted: false } && _jobAllocation == allocation)
        {
            return;
        }

        // A job of a replaced start may still be winding down: it is cancelled, and its writes no longer apply.
        _cancellation?.Cancel();
        if (_job is { IsCompleted: false } replaced)
        {
            _replacedJob = replaced;
        }

        _cancellation = new CancellationTokenSource();
        _jobAllocation = allocation;
        _job = RunJobAsync(allocation, _cancellation.Token);
    }

    private async Task RunJobAsync(Guid allocation, CancellationToken cancellationToken)
    {
        // Let the call that queued the job answer first ("queued"); the job continues on this activation's scheduler.
        await Task.Yield();

        // Keeps the activation alive while the job runs, however long no one calls it.
        using var keepAlive = this.RegisterGrainTimer(
            static _ => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)) { KeepAlive = true });
        var total = Stopwatch.StartNew();
        try
        {
            var info = _committed!.Info;
            if (info.Attempts >= options.Value.MaxTrainingAttempts)
            {
                await FinishAsync(allocation, i => i with
                {
                    Status = TrainingStatus.Failed,
                    Stage = "failed",
                    Error = $"The job was interrupted {i.Attempts} times (the process stopped while it ran). Train a new version to try again.",
                });
                return;
            }

            if (info.Status == TrainingStatus.Running)
            {
                // Left running by a process that stopped: it waits for a slot again like any queued job.
                await UpdateJobAsync(allocation, i => i with { Status = TrainingStatus.Queued, Stage = "queued", Progress = 0 });
            }

            using var slot = await worker.AcquireAsync(cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            if (!await UpdateJobAsync(allocation, i => i with
            {
                Status = TrainingStatus.Running,
                Stage = "loading",
                Progress = 0.02,
                StartedAt = time.GetUtcNow(),
                Attempts = i.Attempts + 1,
            }))
            {
                return; // Cancelled or replaced while it waited for the slot.
            }

            LogStarted(logger, Key, _committed!.Info.Attempts);
            var spec = _committed.Info.Spec;
            var load = Stopwatch.StartNew();
            var (frame, hit) = await frames.GetAsync(spec.Dataset, spec.DatasetHash, cancellationToken);
            var loadMs = load.Elapsed.TotalMilliseconds;

            var reporter = new Progress(p => Report(allocation, p));
            var limit = TrainingLimits.From(options.Value).WallClock(spec);
            using var fit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var deadline = Deadlines.CancelAfter(fit, limit);
            TrainedModel trained;
            try
            {
                var remote = options.Value.SpreadTrials ? await ClusterTrials.ForAsync(GrainFactory, silo.SiloAddress, spec) : null;
                trained = await BoundedWorker.RunAsync(() => trainer.Train(frame, spec, reporter, fit.Token, remote), fit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && fit.IsCancellationRequested)
            {
                LogTimeLimit(logger, Key, limit.TotalSeconds);
                await FinishAsync(allocation, i => i with { Status = TrainingStatus.Failed, Stage = "failed", Error = TrainingLimits.TimeLimitReached(limit, spec.Algorithm) });
                return;
            }

            Report(allocation, new TrainingProgress("saving", 0.97));

            // The reference first: from the moment the model file is stored, the store knows who it is for.
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(trained.ModelBytes));
            var owner = ArtifactOwners.ModelVersion(ModelVersionKey.Parse(Key).Model, ModelVersionKey.Parse(Key).Version);
            await artifacts.AddReferenceAsync(hash, owner, cancellationToken);
            var artifact = await artifacts.PutAsync(trained.ModelBytes, cancellationToken);
            await FinishAsync(allocation, i => i with
            {
                Status = TrainingStatus.Succeeded,
                Stage = "done",
                Progress = 1,
                Algorithm = trained.Algorithm,
                Search = trained.Search,
                Metrics = trained.Metrics,
                Signature = trained.Signature,
                ArtifactHash = artifact.ContentHash,
                Timings = new TrainingTimings(
                    Math.Round(slot.Waited.TotalMilliseconds, 1), Math.Round(loadMs, 1), Math.Round(trained.TrainingMs, 1),
                    Math.Round(trained.EvaluationMs, 1), Math.Round(total.Elapsed.TotalMilliseconds, 1), hit,
                    Math.Round(trained.SearchMs, 1), trained.RemoteTrials),
            });
            if (_committed?.Info.ArtifactHash == artifact.ContentHash)
            {
                await ConfirmAsync(artifact.ContentHash, owner);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled by CancelAsync (already stored), replaced, or cut short by deactivation (resumes on the next activation).
        }
        catch (StorageUnavailableException)
        {
            // The activation is deactivating; the next one finds the job as it was last stored and runs it again.
        }
        catch (Exception ex)
        {
            await FailAsync(allocation, ex);
        }
        finally
        {
            if (_live?.Allocation == allocation)
            {
                _live = null;
            }
        }
    }

    private async Task FailAsync(Guid allocation, Exception exception)
    {
        var error = exception switch
        {
            OrleansMlException domain => domain.Message,
            FileNotFoundException => $"The data of dataset version {_committed?.Info.Spec.DatasetVersion} is no longer in the artifact store (the version was deleted). Train on another version.",
            _ => $"Training failed unexpectedly: {exception.Message}",
        };
        if (exception is not OrleansMlException)
        {
            LogFailed(logger, exception, Key);
        }

        try
        {
            await FinishAsync(allocation, i => i with { Status = TrainingStatus.Failed, Stage = "failed", Error = error });
        }
        catch (StorageUnavailableException)
        {
            // As above: the next activation runs the job again.
        }
    }

    private async Task ConfirmAsync(string hash, string owner)
    {
        try
        {
            await artifacts.ConfirmReferenceAsync(hash, owner);
        }
        catch (Exception ex)
        {
            // Left unconfirmed, the reference is checked with this grain by the sweep, which confirms it.
            LogConfirmFailed(logger, ex, owner);
        }
    }

    /// <summary>Publishes the training thread's latest report for readers; safe to call from any thread.</summary>
    private void Report(Guid allocation, TrainingProgress progress)
    {
        _live = new LiveProgress(allocation, progress);
        _changed.Notify();
    }

    /// <summary>Applies a job transition if the job's start is still the stored one and has not ended.</summary>
    private Task<bool> UpdateJobAsync(Guid allocation, Func<ModelVersionInfo, ModelVersionInfo> change, bool holdBack = false) =>
        UpdateStateAsync(s => s.Allocation == allocation && !s.Info.Status.IsTerminal() ? s with { Info = change(s.Info) } : null, holdBack);

    /// <summary>
    /// Stores the job's end (unless it ended already, e.g. cancelled meanwhile), then tells the model before readers see
    /// it. The job is a background task of the activation, so waiting for the model here cannot deadlock.
    /// </summary>
    private async Task FinishAsync(Guid allocation, Func<ModelVersionInfo, ModelVersionInfo> finish)
    {
        try
        {
            if (await UpdateJobAsync(allocation, i => finish(i) with { CompletedAt = time.GetUtcNow() }, holdBack: true))
            {
                LogFinished(logger, Key, _committed!.Info.Status);
                OrleansMlMetrics.TrainingEnded(_committed.Info);
                _report = ReportAsync();
                try
                {
                    // A model that does not answer (its silo just died) does not hide the end for long; the notice goes on.
                    await _report.WaitAsync(LongestHoldBack, time);
                }
                catch (TimeoutException)
                {
                    LogReportSlow(logger, Key);
                }
            }
        }
        finally
        {
            _heldBack = null;
            _changed.Notify();
        }
    }

    private void ReportInBackground()
    {
        if (_report is not { IsCompleted: false })
        {
            _report = ReportAsync();
        }
    }

    /// <summary>
    /// Tells the model that the stored start ended. Once the model has taken note the version stops reminding;
    /// until then the reminder (and the next activation) sends the notice again.
    /// </summary>
    private async Task ReportAsync()
    {
        if (_committed is not { Reported: false } ended || !ended.Info.Status.IsTerminal())
        {
            return;
        }

        try
        {
            var model = GrainFactory.GetGrain<IModelVersionListener>(ended.Info.Model);
            await model.OnVersionEndedAsync(ended.Info.Version, ended.Allocation, ended.Info.Status);
            if (await UpdateStateAsync(s => s.Allocation == ended.Allocation && !s.Reported ? s with { Reported = true } : null))
            {
                await StopRemindingAsync();
            }
        }
        catch (Exception ex)
        {
            // The reminder (or the next activation) reports again.
            LogReportFailed(logger, ex, Key);
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
            // A leftover reminder only wakes a reported version, which then removes it.
            LogReminderCleanupFailed(logger, ex, Key);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the committed state and stores it; null means no change.</summary>
    private async Task<bool> UpdateStateAsync(Func<VersionState, VersionState?> change, bool holdBack = false)
    {
        await _writes.WaitAsync();
        try
        {
            // Only StartAsync runs without a stored state, and its change ignores the argument.
            var current = _committed;
            var next = change(current!);
            if (next is null)
            {
                return false;
            }

            if (holdBack)
            {
                _heldBack = current;
            }

            try
            {
                await state.CommitAsync(next, this, logger, Describe());
            }
            catch
            {
                _heldBack = null;
                throw;
            }

            _committed = next;
            return true;
        }
        finally
        {
            _writes.Release();
            _changed.Notify();
        }
    }

    private string Describe()
    {
        var (model, version) = ModelVersionKey.Parse(Key);
        return $"version {version} of model '{model}'";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming {Version}, found {Status} after activation")]
    private static partial void LogResuming(ILogger logger, string version, TrainingStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Version} started (attempt {Attempt})")]
    private static partial void LogStarted(ILogger logger, string version, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Version} ended {Status}")]
    private static partial void LogFinished(ILogger logger, string version, TrainingStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training {Version} failed unexpectedly")]
    private static partial void LogFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Version} held a start the model never recorded; replacing it")]
    private static partial void LogReplacingOrphan(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the resume reminder of {Version}")]
    private static partial void LogReminderCleanupFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the model that {Version} ended; the reminder tries again")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model has not yet answered the end notice of {Version}; showing the end meanwhile")]
    private static partial void LogReportSlow(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training {Version} reached its time limit of {Seconds} s and was stopped")]
    private static partial void LogTimeLimit(ILogger logger, string version, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the state of {Version}")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not confirm the artifact reference of {Owner}; the sweep checks it")]
    private static partial void LogConfirmFailed(ILogger logger, Exception exception, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The job of {Version} did not stop within the deactivation time")]
    private static partial void LogStopTimedOut(ILogger logger, string version);

    /// <summary>The training thread's latest report, published with one atomic reference write.</summary>
    private sealed record LiveProgress(Guid Allocation, TrainingProgress Progress);

    /// <summary>Passes reports straight through (not through a synchronization context, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>A task that completes at the next change, for long polls; safe to signal from any thread.</summary>
    private sealed class ChangeSignal
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Next => Volatile.Read(ref _next).Task;

        public void Notify() =>
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
