using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Audit;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Models;
using OrleansMl.Rollouts;
using OrleansMl.Storage;

namespace OrleansMl.Schedules;

/// <summary>
/// The retraining schedule of one model. An Orleans reminder ticks once per period; a tick runs the schedule only when
/// its stored next due time has come and that due time has not been answered yet, and the due time is stored as answered
/// before the run does anything, so a repeated or late tick never runs twice for one due time. A run decides from the
/// newest dataset version whether to train, starts the training through the model's registry (the same validation and
/// queue as a training request, with the due time as the idempotency key, so a run interrupted between starting and
/// recording its version gets the same version back), and a timer follows the version to its end to apply
/// <see cref="ScheduleRequest.Then"/>.
/// </summary>
public sealed partial class ModelScheduleGrain(
    [PersistentState("schedule", StorageNames.Grains)] IPersistentState<ScheduleState> state,
    IOptions<OrleansMlOptions> options,
    [FromKeyedServices(ScheduleClock.ServiceKey)] TimeProvider clock,
    ILogger<ModelScheduleGrain> logger) : Grain, IModelScheduleGrain, IRemindable
{
    private const string Reminder = "schedule";

    /// <summary>How often a run's training version is checked until it ends.</summary>
    private static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    private ScheduleState _committed = ScheduleState.Empty;
    private IGrainTimer? _followTimer;
    private IGrainTimer? _catchUpTimer;

    private string Name => this.GetPrimaryKeyString();

    /// <summary>Who the schedule's own changes (versions, promotions, rollouts) are recorded as.</summary>
    private string Actor => $"schedule:{Name}";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists
            ? state.State with
            {
                Runs = state.State.Runs.IsDefault ? [] : state.State.Runs,
                Schedule = state.State.Schedule is { } stored ? stored with { Features = FeaturesOf(stored) } : null,
            }
            : ScheduleState.Empty;
        if (_committed.Schedule is not null)
        {
            if (Following(_committed))
            {
                StartFollowing();
            }

            if (_committed.NextDue <= clock.GetUtcNow())
            {
                // Due while nothing ran it (the cluster was down): one run now, not one per missed period.
                StartCatchUp();
            }
        }

        return Task.CompletedTask;
    }

    public async Task<ScheduleInfo> SetAsync(ScheduleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Names.Validate(Name, "model");
        var schedule = await ValidateAsync(request, cancellationToken);
        var now = clock.GetUtcNow();
        var current = _committed;

        // The directory first: a name listed without a schedule is harmless (its grain finds nothing to do).
        await GrainFactory.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).AddAsync(Name);
        // The reminder before the schedule: a reminder without a schedule finds nothing to do and removes itself.
        await this.RegisterOrUpdateReminder(Reminder, schedule.Every, schedule.Every, CancellationToken.None);
        await CommitAsync(current with { Schedule = schedule, SetAt = now, SetBy = Caller.Name, NextDue = now + schedule.Every });
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.ScheduleSet, $"models/{Name}/schedule",
            from: current.Schedule is { } was ? Describe(was) : null, to: Describe(schedule));
        return Info(_committed);
    }

    public Task<ScheduleInfo> GetAsync() => Task.FromResult(Info(Require()));

    public async Task<ScheduleInfo> DeleteAsync()
    {
        var current = Require();
        var info = Info(current);
        await CommitAsync(ScheduleState.Empty);
        StopTimers();
        if (await this.GetReminder(Reminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await GrainFactory.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).RemoveAsync(Name);
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.ScheduleDeleted, $"models/{Name}/schedule", from: Describe(current.Schedule!));
        return info;
    }

    public Task<ScheduleRuns> GetRunsAsync()
    {
        var current = Require();
        return Task.FromResult(new ScheduleRuns(Name, [.. current.Runs.Reverse()]));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Reminder)
        {
            return;
        }

        if (_committed.Schedule is null)
        {
            if (await this.GetReminder(Reminder) is { } orphan)
            {
                await this.UnregisterReminder(orphan);
            }

            return;
        }

        await TickAsync();
    }

    public async Task EnsureScheduledAsync()
    {
        if (_committed.Schedule is not { } schedule)
        {
            return;
        }

        if (await this.GetReminder(Reminder) is null)
        {
            var wait = _committed.NextDue - clock.GetUtcNow();
            await this.RegisterOrUpdateReminder(Reminder, wait > TimeSpan.Zero ? wait : schedule.Every, schedule.Every);
        }
    }

    public async Task<ScheduleRun?> RunDueAsync()
    {
        var current = _committed;
        if (current.Schedule is not { } schedule)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var due = current.NextDue;

        // A tick a little early (reminder timing) still answers the due time; an answered due time is never run again.
        if (due - Tolerance(schedule.Every) > now || current.LastDue is { } last && last >= due)
        {
            return null;
        }

        var next = due + schedule.Every;
        var late = next <= now;
        if (late)
        {
            next = now + schedule.Every;
        }

        var decided = await DecideAsync(current, schedule, due, now);

        // The due time is stored as answered before anything is started for it.
        var started = decided.Decision == ScheduleRun.Training ? decided with { Reason = "starting training", TriggeredBy = decided.Reason } : decided;
        await CommitAsync(current.WithRun(started) with { LastDue = due, NextDue = next });
        if (late)
        {
            // Back on the period from now rather than from the missed due times.
            await this.RegisterOrUpdateReminder(Reminder, schedule.Every, schedule.Every);
        }

        ScheduleRun run = started;
        if (decided.Decision == ScheduleRun.Training)
        {
            // Following from here on: if starting fails on the way, the follower starts it again with the same key.
            StartFollowing();
            run = await StartTrainingAsync(schedule, started);
        }

        LogRun(logger, Name, due, run.Decision, run.Reason);
        return run;
    }

    private async Task TickAsync()
    {
        try
        {
            await RunDueAsync();
        }
        catch (Exception ex) when (ex is OrleansMlException or TimeoutException or OrleansException)
        {
            // The due time was not stored as answered (or the run's end was): the next tick tries again.
            LogTickFailed(logger, ex, Name);
        }
    }

    /// <summary>What a due run does, decided from the newest dataset version, before anything is changed.</summary>
    private async Task<ScheduleRun> DecideAsync(ScheduleState current, ScheduleRequest schedule, DateTimeOffset due, DateTimeOffset now)
    {
        ScheduleRun Run(int? datasetVersion, string decision, string reason) =>
            new(due, now, schedule.Dataset, datasetVersion, decision, reason, EndedAt: decision == ScheduleRun.Training ? null : now);

        if (current.Runs.LastOrDefault(r => r.Decision == ScheduleRun.Training) is { } busy)
        {
            return Run(null, ScheduleRun.Skipped, $"skipped: {(busy.Version is { } v ? $"v{v}" : "the version")} of the run due {Time(busy.Due)} is still training");
        }

        DatasetVersionInfo newest;
        try
        {
            newest = (await GrainFactory.GetGrain<IDatasetGrain>(schedule.Dataset).GetAsync()).Latest;
        }
        catch (DatasetNotFoundException ex)
        {
            return Run(null, ScheduleRun.Failed, $"failed: {ex.Message}");
        }

        switch (schedule.Trigger)
        {
            case ScheduleTrigger.NewData when current.LastTrainedDatasetVersion == newest.Version:
                return Run(newest.Version, ScheduleRun.Skipped, $"skipped: no new rows since v{newest.Version}");
            case ScheduleTrigger.NewData:
                return Run(newest.Version, ScheduleRun.Training, current.LastTrainedDatasetVersion is { } was
                    ? $"new data: v{newest.Version} (last trained on v{was})"
                    : $"new data: v{newest.Version} (no run trained before)");
            case ScheduleTrigger.Drift:
                return await DecideOnDriftAsync(schedule, newest, Run);
            default:
                return Run(newest.Version, ScheduleRun.Training, "trigger always");
        }
    }

    /// <summary>Starts the training of a run whose due time is stored as answered, and records the version it got.</summary>
    private async Task<ScheduleRun> StartTrainingAsync(ScheduleRequest schedule, ScheduleRun run)
    {
        var request = new TrainingRequest(
            schedule.Dataset, run.DatasetVersion, schedule.Label, schedule.Task, schedule.Algorithm, FeaturesOf(schedule), schedule.Parameters,
            IdempotencyKey: $"schedule-{run.Due.UtcTicks.ToString(CultureInfo.InvariantCulture)}");
        ScheduleRun next;
        try
        {
            Caller.Set(Actor);
            var version = await GrainFactory.GetGrain<IModelGrain>(Name).TrainAsync(request);
            next = run with { Version = version.Version, Reason = $"training v{version.Version} on {schedule.Dataset} v{run.DatasetVersion}" };
        }
        catch (OrleansMlException ex)
        {
            next = run with { Decision = ScheduleRun.Failed, Reason = $"failed: {ex.Message}", EndedAt = clock.GetUtcNow() };
        }

        await CommitAsync(_committed.WithRunReplaced(run.Due, next));
        if (next.Decision == ScheduleRun.Training)
        {
            await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.ScheduleRunTrained, $"models/{Name}/schedule",
                to: $"v{next.Version}", detail: $"due {Time(run.Due)}, {schedule.Dataset} v{run.DatasetVersion}, trigger {EnumWords.Word(schedule.Trigger)}");
        }

        return next;
    }

    /// <summary>Checks the version of the run that is training; once it ended, records how and applies the schedule's then.</summary>
    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        if (_committed.Schedule is not { } schedule || _committed.Runs.LastOrDefault(r => r.Decision == ScheduleRun.Training) is not { } run)
        {
            StopFollowing();
            return;
        }

        try
        {
            if (run.Version is null)
            {
                // Interrupted between storing the run and recording its version: the same key gets the same version.
                await StartTrainingAsync(schedule, run);
                return;
            }

            var model = GrainFactory.GetGrain<IModelGrain>(Name);
            var version = await model.GetVersionAsync(run.Version.Value);
            if (!version.Status.IsTerminal())
            {
                return;
            }

            var now = clock.GetUtcNow();
            ScheduleRun ended;
            if (version.Status != TrainingStatus.Succeeded)
            {
                ended = run with
                {
                    Decision = ScheduleRun.Failed,
                    Reason = $"training v{version.Version} {EnumWords.Word(version.Status)}{(version.Error is { } e ? $": {e}" : string.Empty)}",
                    EndedAt = now,
                };
                await CommitAsync(_committed.WithRunReplaced(run.Due, ended));
            }
            else
            {
                var primary = PrimaryMetric.Of(version);
                var trained = run with
                {
                    Decision = ScheduleRun.Trained,
                    Reason = $"trained v{version.Version}{(primary is { } p ? $": {p.Name} {Number(p.Value)}" : string.Empty)}"
                        + (schedule.Trigger == ScheduleTrigger.Drift && run.TriggeredBy is { } cause ? $" ({cause})" : string.Empty),
                };

                // Trained is stored before what follows, so the newData trigger and a restart see it whatever follows.
                await CommitAsync(_committed.WithRunReplaced(run.Due, trained) with { LastTrainedDatasetVersion = run.DatasetVersion });
                var (then, why) = await ApplyThenAsync(schedule, version);
                ended = trained with { Then = then, ThenReason = why, EndedAt = clock.GetUtcNow() };
                await CommitAsync(_committed.WithRunReplaced(run.Due, ended));
            }

            LogRunEnded(logger, Name, run.Due, ended.Reason, ended.ThenReason);
            StopFollowing();
        }
        catch (Exception ex) when (ex is OrleansMlException or TimeoutException or OrleansException)
        {
            LogFollowFailed(logger, ex, Name, run.Version);
        }
    }

    /// <summary>What the schedule does with a version that succeeded: the outcome word and why.</summary>
    private async Task<(string Then, string Why)> ApplyThenAsync(ScheduleRequest schedule, ModelVersionInfo version)
    {
        var model = GrainFactory.GetGrain<IModelGrain>(Name);
        Caller.Set(Actor);
        switch (schedule.Then)
        {
            case ScheduleThen.Rollout:
                try
                {
                    var rollout = await model.StartRolloutAsync(schedule.Rollout!.For(version.Version));
                    return ("rolloutStarted", $"rollout started: {rollout.Decisions[^1].Reason}");
                }
                catch (OrleansMlException ex)
                {
                    return ("rolloutNotStarted", $"rollout not started: {ex.Message}");
                }

            case ScheduleThen.PromoteIfBetter:
                return await PromoteIfBetterAsync(model, version);
            default:
                return ("none", "kept: the schedule does not promote or roll out");
        }
    }

    private static async Task<(string Then, string Why)> PromoteIfBetterAsync(IModelGrain model, ModelVersionInfo candidate)
    {
        const string alias = ModelAliases.Production;
        var aliases = (await model.GetSummaryAsync()).Aliases;
        string reason;
        if (!aliases.TryGetValue(alias, out var production))
        {
            reason = $"promoted: the model had no {alias} version";
        }
        else
        {
            var baseline = await model.GetVersionAsync(production);
            var mine = PrimaryMetric.Of(candidate);
            var theirs = mine is { } m ? PrimaryMetric.Of(baseline, m.Name) : null;
            if (mine is not { } c || theirs is not { } b)
            {
                return ("notPromoted", $"not promoted: v{candidate.Version} and {alias} v{production} share no primary metric to compare");
            }

            var text = $"{c.Name} {Number(c.Value)} {{0}} {alias} {Number(b.Value)} (v{production})";
            if (!PrimaryMetric.Better(c.Name, c.Value, b.Value))
            {
                var sign = c.Value == b.Value ? "=" : c.Value < b.Value ? "<" : ">";
                return ("notPromoted", "not promoted: " + string.Format(CultureInfo.InvariantCulture, text, sign)
                    + (PrimaryMetric.LowerIsBetter(c.Name) ? $"; lower {c.Name} is better" : string.Empty));
            }

            reason = "promoted: " + string.Format(CultureInfo.InvariantCulture, text, c.Value > b.Value ? ">" : "<");
        }

        try
        {
            await model.SetAliasAsync(alias, candidate.Version, reason);
            return ("promoted", reason);
        }
        catch (OrleansMlException ex)
        {
            return ("notPromoted", $"not promoted: {ex.Message}");
        }
    }

    /// <summary>Checks everything a run will need, so a schedule that cannot run is refused now rather than at its first run.</summary>
    private async Task<ScheduleRequest> ValidateAsync(ScheduleRequest request, CancellationToken cancellationToken)
    {
        if (request.Every < ScheduleRequest.MinEvery || request.Every > ScheduleRequest.MaxEvery)
        {
            throw new InvalidScheduleException(
                $"every must be between {ScheduleRequest.MinEvery:c} (one minute, the shortest period Orleans reminders take) and {ScheduleRequest.MaxEvery.Days} days; got {request.Every:c}.");
        }

        if (!Enum.IsDefined(request.Trigger))
        {
            throw new InvalidScheduleException($"trigger must be one of {EnumWords.List<ScheduleTrigger>()}.");
        }

        if (!Enum.IsDefined(request.Then))
        {
            throw new InvalidScheduleException($"then must be one of {EnumWords.List<ScheduleThen>()}.");
        }

        if (request.DriftThreshold is { } threshold && (request.Trigger != ScheduleTrigger.Drift || !double.IsFinite(threshold) || threshold <= 0))
        {
            throw new InvalidScheduleException(request.Trigger != ScheduleTrigger.Drift
                ? "driftThreshold is only taken with trigger: drift."
                : $"driftThreshold must be a PSI above 0 (0.1 is a small shift, 0.2 a notable one, 0.25 and above a large one); got {threshold.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (request.Rollout is not null && request.Then != ScheduleThen.Rollout)
        {
            throw new InvalidScheduleException("rollout is only taken with then: rollout.");
        }

        // The same validation a training request gets, against the newest dataset version.
        var training = new TrainingRequest(request.Dataset, null, request.Label, request.Task, request.Algorithm, FeaturesOf(request), request.Parameters);
        var spec = await TrainingSpecValidator.ResolveAsync(GrainFactory, training, TrainingLimits.From(options.Value), cancellationToken);

        var rollout = request.Then == ScheduleThen.Rollout
            ? request.Rollout ?? new ScheduleRollout(ModelAliases.Production, RolloutMode.Canary, RolloutPolicy.DefaultSteps)
            : null;
        if (rollout is not null)
        {
            var alias = Names.Validate(rollout.Alias ?? ModelAliases.Production, "rollout.alias");
            rollout = rollout with { Alias = alias, Steps = rollout.Steps.IsDefaultOrEmpty ? RolloutPolicy.DefaultSteps : rollout.Steps };
            RolloutPolicy.Validate(rollout.For(1));
            if (!(await AliasesAsync()).TryGetValue(alias, out var baseline))
            {
                throw new InvalidScheduleException(
                    $"then: rollout rolls each trained version out against alias '{alias}', which model '{Name}' does not have; promote a version to it first.");
            }

            await CheckRolloutColumnsAsync(rollout, request.Task, baseline);
        }

        if (request.Trigger == ScheduleTrigger.Drift)
        {
            await CheckDriftBaselineAsync(spec);
        }

        return request with
        {
            Parameters = spec.Parameters,
            Features = FeaturesOf(request),
            DriftThreshold = request.Trigger == ScheduleTrigger.Drift ? request.DriftThreshold ?? ScheduleRequest.DefaultDriftThreshold : null,
            Rollout = rollout,
        };
    }

    /// <summary>
    /// Checks the rollout's guard and stickyBy against what is known now, since the version a run trains does not exist
    /// yet: the task the schedule asks for, and the version the alias points at (the baseline each run's rollout is
    /// judged against, whose task and columns the candidate must share to start).
    /// </summary>
    private async Task CheckRolloutColumnsAsync(ScheduleRollout rollout, ModelTask task, int baseline)
    {
        var current = await GrainFactory.GetGrain<IModelGrain>(Name).GetVersionAsync(baseline);
        if (rollout.Guard is { } guard)
        {
            if (task != ModelTask.Auto)
            {
                RolloutPolicy.ValidateGuardFor(guard, task, $"the versions this schedule trains, {EnumWords.Word(task)} models");
            }

            // A version without a signature (trained before signatures were kept) has no known task: its guard is taken
            // as given, and the rollout's own start checks it against the versions it then compares.
            RolloutPolicy.ValidateGuardFor(guard, Name, [(baseline, current.Signature?.Task ?? current.Spec.Task)]);
        }

        // Likewise, with no signature the alias's columns are not known here; the rollout's start checks stickyBy then.
        if (rollout.StickyBy is { } stickyBy && current.Signature is { } signature
            && RolloutInputs.StickyByProblem(stickyBy, Name, rollout.Alias, [(baseline, signature)]) is { } notSticky)
        {
            throw new InvalidRolloutException(notSticky);
        }
    }

    private async Task<System.Collections.Immutable.ImmutableDictionary<string, int>> AliasesAsync()
    {
        try
        {
            return (await GrainFactory.GetGrain<IModelGrain>(Name).GetSummaryAsync()).Aliases;
        }
        catch (ModelNotFoundException)
        {
            return System.Collections.Immutable.ImmutableDictionary<string, int>.Empty;
        }
    }

    /// <summary>The schedule's feature columns; empty (every usable column) when none were given or the schedule predates them.</summary>
    private static System.Collections.Immutable.ImmutableArray<string> FeaturesOf(ScheduleRequest schedule) =>
        schedule.Features.IsDefault ? [] : schedule.Features;

    private ScheduleState Require() => _committed.Schedule is not null
        ? _committed
        : throw new ScheduleNotFoundException($"Model '{Name}' has no schedule; set one with PUT /api/models/{Name}/schedule.");

    private ScheduleInfo Info(ScheduleState current) =>
        new(Name, current.Schedule!, current.SetAt, current.SetBy, current.NextDue, current.Runs.IsDefaultOrEmpty ? null : current.Runs[^1], current.Runs.Length);

    private async Task CommitAsync(ScheduleState next)
    {
        await state.CommitAsync(next, this, logger, $"the schedule of model '{Name}'");
        _committed = next;
    }

    private static bool Following(ScheduleState current) => current.Runs.Any(r => r.Decision == ScheduleRun.Training);

    private void StartFollowing() =>
        _followTimer ??= this.RegisterGrainTimer(FollowAsync, new GrainTimerCreationOptions(FollowInterval, FollowInterval) { KeepAlive = true });

    private void StopFollowing()
    {
        _followTimer?.Dispose();
        _followTimer = null;
    }

    private void StartCatchUp() =>
        _catchUpTimer ??= this.RegisterGrainTimer(async _ =>
        {
            _catchUpTimer?.Dispose();
            _catchUpTimer = null;
            await TickAsync();
        }, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan) { KeepAlive = true });

    private void StopTimers()
    {
        StopFollowing();
        _catchUpTimer?.Dispose();
        _catchUpTimer = null;
    }

    /// <summary>How early a tick may come and still answer the due time: a tenth of the period, at most 30 seconds.</summary>
    private static TimeSpan Tolerance(TimeSpan every) => TimeSpan.FromTicks(Math.Min(every.Ticks / 10, TimeSpan.FromSeconds(30).Ticks));

    private static string Describe(ScheduleRequest s) =>
        $"every {s.Every:c}, {s.Dataset}/{s.Label}, trigger {EnumWords.Word(s.Trigger)}"
        + (s.DriftThreshold is { } t ? $" {Number(t)}" : string.Empty) + $", then {EnumWords.Word(s.Then)}";

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    internal static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule of model {Model}: run due {Due} {Decision}: {Reason}")]
    private static partial void LogRun(ILogger logger, string model, DateTimeOffset due, string decision, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule of model {Model}: run due {Due} ended: {Reason}; {Then}")]
    private static partial void LogRunEnded(ILogger logger, string model, DateTimeOffset due, string reason, string? then);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule of model {Model}: a tick failed; the next tick tries again")]
    private static partial void LogTickFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule of model {Model}: checking version {Version} failed; checking again shortly")]
    private static partial void LogFollowFailed(ILogger logger, Exception exception, string model, int? version);
}
