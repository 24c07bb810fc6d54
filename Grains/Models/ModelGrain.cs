using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Audit;
using OrleansMl.Datasets;
using OrleansMl.Diagnostics;
using OrleansMl.Health;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Predictions;
using OrleansMl.Rollouts;
using OrleansMl.Storage;

namespace OrleansMl.Models;

/// <summary>
/// The registry of one model: version numbers, which of them can serve, aliases and their history. It owns nothing
/// about a version beyond its identity; reads of a version go to the version grain, and the registry learns that a
/// version ended from that version's one notice (<see cref="IModelVersionListener"/>), never by asking. It enforces the
/// per-model limits: queued trainings, idempotency keys, aliases and their history, and the retention of old versions.
/// </summary>
public sealed partial class ModelGrain(
    [PersistentState("model", StorageNames.Grains)] IPersistentState<ModelState> state,
    IOptions<OrleansMlOptions> options,
    TimeProvider time,
    ILogger<ModelGrain> logger) : Grain, IModelGrain, IModelVersionListener, IModelRoutesSource, IModelLineage, IRemindable
{
    /// <summary>What a refusal for a full training queue asks the caller to wait, in seconds.</summary>
    public const int QueueRetryAfterSeconds = 30;

    private const string RolloutReminder = "rollout";
    private IGrainTimer? _rolloutTimer;

    // What storage holds; every read (interleaved ones included) uses it, never state.State.
    private ModelState _committed = ModelState.Empty;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State.Normalized() : ModelState.Empty;
        if (!_committed.LegacyVersions.IsEmpty)
        {
            // A registry stored by the previous release: converted once, served from memory if it cannot be written now
            // (the next change writes it; a later activation would convert it again, with the same result).
            var converted = await PreviousReleaseRegistry.ConvertAsync(GrainFactory, Name, _committed);
            try
            {
                await CommitAsync(converted);
            }
            catch (StorageUnavailableException)
            {
                _committed = converted;
            }
        }

        if (_committed.Exists || !_committed.Versions.IsEmpty || _committed.NextVersion > 1)
        {
            // In the background: the activation does not wait for the catalog (which may itself be failing over).
            _ = PublishAsync();
        }

        // A running rollout or a guard resumes its checks in whichever activation holds the model (a reminder wakes one).
        if (Watching(_committed))
        {
            StartRolloutTimer();
        }
    }

    public async Task<ModelVersionInfo> TrainAsync(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Names.Validate(Name, "model");
        var settings = options.Value;
        var now = time.GetUtcNow();
        var current = _committed;

        // The same key and request within the window: the version the first request created, whatever happened since.
        var requestHash = request.IdempotencyKey is { } key ? TrainingSpecHash.OfRequest(request) : null;
        if (request.IdempotencyKey is { } k && Remembered(current, k, now) is { } seen)
        {
            if (seen.RequestHash != requestHash)
            {
                throw new IdempotencyConflictException(
                    $"Idempotency key '{k}' was used {Ago(now - seen.At)} ago for a different training request of model '{Name}' "
                    + $"(it created version {seen.Version}). Use a new key for a new request, or send the same request to get version {seen.Version}.");
            }

            return await VersionGrain(seen.Version).GetAsync();
        }

        if (current.Pending.Count >= settings.MaxQueuedTrainingsPerModel)
        {
            throw new TrainingQueueFullException(
                $"Model '{Name}' already has {current.Pending.Count} trainings queued or running, the most allowed per model "
                + $"(OrleansMl__MaxQueuedTrainingsPerModel). Nothing was started; try again once one ends (versions {string.Join(", ", current.Pending)}).",
                QueueRetryAfterSeconds);
        }

        // From resolving the dataset version until the registry stores the version trained on it (its lineage), the
        // dataset grain holds the version for this training, so a delete in between is refused rather than leaving the
        // training on deleted rows. Released however this ends; a reservation never released expires.
        Names.Validate(request.Dataset, "dataset");
        var reservation = Guid.NewGuid();
        try
        {
            var spec = await TrainingSpecValidator.ReserveAsync(
                GrainFactory, request, TrainingLimits.From(settings), Name, reservation, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            // The version first, then the registry: if the registry's write fails, the started version is an orphan that is
            // never listed or routed, whose notice is ignored, and which the next start of this number replaces.
            var number = current.NextVersion;
            var queue = GrainFactory.GetGrain<ITrainingQueueGrain>(ITrainingQueueGrain.Key);
            var queued = ModelVersionKey.Format(Name, number);
            if (!await queue.TryEnterAsync(queued))
            {
                throw new TrainingQueueFullException(
                    $"The cluster already has {settings.MaxQueuedTrainings} trainings queued or running, the most allowed (OrleansMl__MaxQueuedTrainings). "
                    + "Nothing was started; try again once some end.",
                    QueueRetryAfterSeconds);
            }

            try
            {
                var allocation = Guid.NewGuid();
                var info = await ModelVersionPlacement.StartNearDatasetAsync(GrainFactory, Name, number, spec, allocation);
                var entry = new RegisteredVersion(
                    number, allocation, TrainingSpecHash.Of(spec), info.CreatedAt, info.CreatedBy, spec.Dataset, spec.DatasetVersion);
                await CommitAsync(current with
                {
                    NextVersion = number + 1,
                    Versions = current.Versions.Add(number, entry),
                    Pending = current.Pending.Add(number),
                    CreatedAt = current.Exists ? current.CreatedAt : info.CreatedAt,
                    Requests = request.IdempotencyKey is { } newKey
                        ? Pruned(current.Requests!.SetItem(newKey, new IdempotentRequest(requestHash!, number, now)), now)
                        : current.Requests,
                });
                await PublishAsync();
                await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.TrainingRequested, $"models/{Name}", to: $"v{number}",
                    detail: $"dataset {spec.Dataset} v{spec.DatasetVersion}, label {spec.Label}, task {EnumWords.Word(spec.Task)}, algorithm {EnumWords.Word(spec.Algorithm)}");
                return info;
            }
            catch
            {
                await LeaveQueueAsync(queued);
                throw;
            }
        }
        finally
        {
            await ReleaseReservationAsync(request.Dataset, reservation);
        }
    }

    public async Task<ModelInfo> GetAsync()
    {
        var current = Require();
        var versions = await Task.WhenAll(current.Versions.Keys.Select(v => VersionGrain(v).GetAsync()));
        return new ModelInfo(Name, [.. versions.Select(v => v.ToSummary())], current.Aliases, current.History, current.CreatedAt);
    }

    public Task<ModelSummary> GetSummaryAsync() => Task.FromResult(Summary(Require())!);

    public Task<ModelVersionInfo> GetVersionAsync(int version)
    {
        Find(_committed, version);
        return VersionGrain(version).GetAsync();
    }

    public Task<ModelVersionInfo> CancelAsync(int version)
    {
        Find(_committed, version);
        return VersionGrain(version).CancelAsync();
    }

    public async Task<AliasInfo> SetAliasAsync(string alias, int version, string? reason = null)
    {
        Names.Validate(alias, "alias");
        CheckReason(reason);
        var current = _committed;
        Find(current, version);
        if (!current.Servable.Contains(version))
        {
            throw await NotServableAsync(version, "only a succeeded version can be promoted");
        }

        var from = current.Aliases.TryGetValue(alias, out var previous) ? previous : (int?)null;
        if (from != version)
        {
            RefuseWhileRollingOut(current, alias, $"promote version {version} to it");
        }

        if (from == version)
        {
            var last = current.History.LastOrDefault(h => h.Alias == alias);
            return new AliasInfo(Name, alias, version, last ?? new AliasChange(alias, "promote", from, version, time.GetUtcNow(), reason, Caller.Name));
        }

        var limit = options.Value.MaxAliasesPerModel;
        if (from is null && current.Aliases.Count >= limit)
        {
            throw new TooManyAliasesException(
                $"Model '{Name}' already has {current.Aliases.Count} aliases ({Known(current.Aliases.Keys)}), the most allowed (OrleansMl__MaxAliasesPerModel). "
                + $"Point one of them at the version instead, or remove one (DELETE /api/models/{Name}/aliases/{{alias}}).");
        }

        var change = new AliasChange(alias, "promote", from, version, time.GetUtcNow(), reason, Caller.Name);
        var stack = current.AliasStacks.GetValueOrDefault(alias, []);
        await CommitAsync(current with
        {
            Aliases = current.Aliases.SetItem(alias, version),
            AliasStacks = current.AliasStacks.SetItem(alias, Newest(from is { } f ? stack.Add(f) : stack)),
            History = Newest(current.History.Add(change)),
        });
        await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
        await PublishAsync();
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.AliasPromoted, $"models/{Name}/aliases/{alias}",
            from: from is { } was ? $"v{was}" : null, to: $"v{version}", detail: reason);
        return new AliasInfo(Name, alias, version, change);
    }

    public async Task<AliasInfo> RollbackAliasAsync(string alias, string? reason = null)
    {
        Names.Validate(alias, "alias");
        CheckReason(reason);
        var current = Require();
        if (!current.Aliases.TryGetValue(alias, out var now))
        {
            throw new AliasNotFoundException($"Model '{Name}' has no alias '{alias}'. Promote a succeeded version to create it.");
        }

        RefuseWhileRollingOut(current, alias, "roll it back");
        var stack = current.AliasStacks.GetValueOrDefault(alias, []);
        if (stack.IsEmpty)
        {
            throw new RollbackUnavailableException(
                $"Alias '{alias}' of model '{Name}' has no earlier version to roll back to: it has only pointed at version {now}.");
        }

        var target = stack[^1];
        var change = new AliasChange(alias, "rollback", now, target, time.GetUtcNow(), reason, Caller.Name);
        await CommitAsync(current with
        {
            Aliases = current.Aliases.SetItem(alias, target),
            AliasStacks = current.AliasStacks.SetItem(alias, stack.RemoveAt(stack.Length - 1)),
            History = Newest(current.History.Add(change)),
        });
        await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
        await PublishAsync();
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.AliasRolledBack, $"models/{Name}/aliases/{alias}",
            from: $"v{now}", to: $"v{target}", detail: reason);
        return new AliasInfo(Name, alias, target, change);
    }

    public async Task<RemovedAlias> RemoveAliasAsync(string alias, string? reason = null)
    {
        Names.Validate(alias, "alias");
        CheckReason(reason);
        var current = Require();
        if (!current.Aliases.TryGetValue(alias, out var version))
        {
            throw new AliasNotFoundException($"Model '{Name}' has no alias '{alias}'. Known aliases: {Known(current.Aliases.Keys)}.");
        }

        RefuseWhileRollingOut(current, alias, "remove it");
        await RefuseWhileScheduledAsync(alias);
        var change = new AliasChange(alias, "remove", version, version, time.GetUtcNow(), reason, Caller.Name);
        await CommitAsync(current with
        {
            Aliases = current.Aliases.Remove(alias),
            AliasStacks = current.AliasStacks.Remove(alias),
            Guards = current.Guards?.Remove(alias),
            History = Newest(current.History.Add(change)),
        });
        await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
        await PublishAsync();
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.AliasRemoved, $"models/{Name}/aliases/{alias}",
            from: $"v{version}", detail: reason);
        return new RemovedAlias(Name, alias, version, change, _committed.Aliases);
    }

    /// <summary>
    /// A schedule that rolls each trained version out against the alias would find it gone at its next run; it is changed
    /// or deleted first, so the alias's removal is a decision about the schedule too.
    /// </summary>
    private async Task RefuseWhileScheduledAsync(string alias)
    {
        ScheduleRequest schedule;
        try
        {
            schedule = (await GrainFactory.GetGrain<IModelScheduleGrain>(Name).GetAsync()).Schedule;
        }
        catch (ScheduleNotFoundException)
        {
            return;
        }

        if (schedule is { Then: ScheduleThen.Rollout, Rollout: { } rollout } && string.Equals(rollout.Alias, alias, StringComparison.Ordinal))
        {
            throw new AliasInUseException(
                $"Cannot remove alias '{alias}' of model '{Name}': its schedule rolls each version it trains out against it. "
                + $"Point the schedule's rollout at another alias or delete the schedule first (PUT or DELETE /api/models/{Name}/schedule).");
        }
    }

    /// <summary>
    /// A running rollout owns its alias: it moves it when it promotes, and its arms, guard and rollback point are counted
    /// against the baseline it started from, so a change by hand in between would be undone or mismeasured.
    /// </summary>
    private void RefuseWhileRollingOut(ModelState current, string alias, string what)
    {
        if (current.Rollout is { IsRunning: true } rollout && string.Equals(rollout.Alias, alias, StringComparison.Ordinal))
        {
            throw new RolloutInProgressException(
                $"Cannot {what}: a {EnumWords.Word(rollout.Mode)} rollout of version {rollout.Candidate} against version {rollout.Baseline} is running on alias '{alias}' of model '{Name}'. "
                + $"Wait for it to promote or roll back, or abort it first (DELETE /api/models/{Name}/rollout).");
        }
    }

    public async Task<ResolvedVersion> ResolveAsync(int? version = null, string? alias = null)
    {
        var current = Require();
        var routes = BuildRoutes(current);
        if (routes.TryResolve(version, alias) is { } route)
        {
            var info = await VersionGrain(route.Version).GetAsync();
            return new ResolvedVersion(Name, route.Version, route.Alias, info.ArtifactHash!, info.Signature!);
        }

        // Not servable: say precisely why.
        if (version is { } v)
        {
            Find(current, v);
            throw await NotServableAsync(v, "it can serve predictions only once it has succeeded");
        }

        var name = alias ?? ModelAliases.Production;
        if (current.Aliases.TryGetValue(name, out var aliased))
        {
            throw await NotServableAsync(aliased, "it can serve predictions only once it has succeeded");
        }

        if (alias is not null)
        {
            throw new AliasNotFoundException($"Model '{Name}' has no alias '{alias}'. Known aliases: {Known(current.Aliases.Keys)}.");
        }

        var latest = current.Versions.Keys.Max();
        var status = (await VersionGrain(latest).GetAsync()).Status;
        throw new VersionNotReadyException(
            $"Model '{Name}' has no succeeded version yet (latest: version {latest}, {EnumWords.Word(status)}). Wait for training to finish.");
    }

    public async Task<bool> OnVersionEndedAsync(int version, Guid allocation, TrainingStatus status)
    {
        var current = _committed;
        if (!current.Versions.TryGetValue(version, out var entry) || entry.Allocation != allocation)
        {
            // A start the registry never recorded (its registration failed); the number is started afresh when allocated again.
            LogIgnoredOrphan(logger, Name, version);
            return false;
        }

        var next = current.Ended(version, status);
        if (next != current)
        {
            await CommitAsync(next);
        }

        await LeaveQueueAsync(ModelVersionKey.Format(Name, version));

        // Also for a notice sent again (the process may have stopped between storing the end and pushing the routes).
        if (status == TrainingStatus.Succeeded)
        {
            await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
        }

        await ApplyRetentionAsync(except: version);
        await PublishAsync();
        return true;
    }

    public async Task DeleteVersionAsync(int version)
    {
        await FinishDeletionsAsync();
        var current = _committed;
        if (version >= 1 && version < current.NextVersion && !current.Versions.ContainsKey(version))
        {
            return; // Deleted already: deleting is idempotent.
        }

        Find(current, version);
        if (current.Pending.Contains(version))
        {
            var status = (await VersionGrain(version).GetAsync()).Status;
            throw new VersionInUseException(status.IsTerminal()
                ? $"Version {version} of model '{Name}' has just ended ({EnumWords.Word(status)}) and the registry is taking note; try again in a moment."
                : $"Version {version} of model '{Name}' is {EnumWords.Word(status)}: cancel it first (POST /api/models/{Name}/versions/{version}/cancel or cancel_training), then delete it.");
        }

        if (UsesOf(current, version) is { Count: > 0 } uses)
        {
            throw new VersionInUseException(
                $"Version {version} of model '{Name}' is in use: {string.Join("; ", uses)}. Point those aliases at other versions "
                + $"(rolling back past it removes it from an alias's rollback stack) or remove them (DELETE /api/models/{Name}/aliases/{{alias}}), then delete it.");
        }

        await DeleteVersionsAsync([version]);
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.ModelVersionDeleted, $"models/{Name}", from: $"v{version}");
    }

    public Task<ImmutableArray<int>> GetVersionsTrainedOnAsync(string dataset, int datasetVersion) =>
        TrainedOnAsync(_committed, dataset, datasetVersion);

    public Task<ImmutableArray<int>> GetPendingAsync() => Task.FromResult(_committed.Pending.ToImmutableArray());

    public Task<ModelRoutes> GetRoutesAsync() => Task.FromResult(BuildRoutes(_committed));

    private ModelRoutes BuildRoutes(ModelState current) => new(
        Name, current.Revision, current.Aliases, current.Servable,
        current.Rollout is { IsRunning: true } r
            ? ImmutableDictionary<string, RouteSplit>.Empty.Add(r.Alias, new RouteSplit(r.Candidate, r.Weight, r.Mode, r.StickyBy))
            : null);

    public async Task<RolloutInfo> StartRolloutAsync(RolloutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = Require();
        var alias = request.Alias ?? ModelAliases.Production;
        Names.Validate(alias, "alias");
        RolloutPolicy.Validate(request);
        if (current.Rollout is { IsRunning: true } running)
        {
            throw new RolloutInProgressException(
                $"Model '{Name}' already has a rollout running (version {running.Candidate} on alias '{running.Alias}'); abort it first (DELETE /api/models/{Name}/rollout).");
        }

        Find(current, request.Candidate);
        if (!current.Aliases.TryGetValue(alias, out var baseline))
        {
            throw new InvalidRolloutException($"Model '{Name}' has no alias '{alias}': promote a version to it first, which the rollout then uses as its baseline.");
        }

        if (!current.Servable.Contains(request.Candidate))
        {
            throw new InvalidRolloutException($"Version {request.Candidate} of model '{Name}' has not succeeded; only a succeeded version can be rolled out.");
        }

        if (baseline == request.Candidate)
        {
            throw new InvalidRolloutException($"Alias '{alias}' already points at version {baseline}: roll out another version.");
        }

        var baselineInfo = await VersionGrain(baseline).GetAsync();
        var candidateInfo = await VersionGrain(request.Candidate).GetAsync();
        var (baselineSignature, candidateSignature) = (baselineInfo.Signature, candidateInfo.Signature);
        if (baselineSignature is not null && candidateSignature is not null
            && RolloutInputs.Mismatch(baseline, baselineSignature, request.Candidate, candidateSignature) is { } mismatch)
        {
            throw new InvalidRolloutException($"Version {request.Candidate} cannot take the traffic of alias '{alias}' of model '{Name}': {mismatch}");
        }

        // The guard judges both arms, so its metric must be measured for each of them.
        if (request.Guard is { } guard)
        {
            RolloutPolicy.ValidateGuardFor(guard, Name, [(baseline, TaskOf(baselineInfo)), (request.Candidate, TaskOf(candidateInfo))]);
        }

        if (request.StickyBy is { } stickyBy && baselineSignature is not null && candidateSignature is not null
            && RolloutInputs.StickyByProblem(stickyBy, Name, alias, [(baseline, baselineSignature), (request.Candidate, candidateSignature)]) is { } notSticky)
        {
            throw new InvalidRolloutException(notSticky);
        }

        var now = time.GetUtcNow();
        var (weight, steps) = RolloutPolicy.Start(request);
        var reason = request.Mode == RolloutMode.Shadow
            ? $"shadow of version {request.Candidate} beside version {baseline}"
            : $"canary of version {request.Candidate} at {weight}% against version {baseline}, steps [{string.Join(", ", steps)}]";
        var rollout = new RolloutState(
            alias, baseline, request.Candidate, request.Mode, RolloutStatus.Running, weight, steps, request.StepAfter, request.StickyBy,
            request.Guard, now, now, null, [new RolloutDecision(now, "start", weight, reason, Caller.Name)]);
        await CommitAsync(current with { Rollout = rollout });
        await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
        OrleansMlMetrics.RolloutDecided(Name, "start");
        await this.RegisterOrUpdateReminder(RolloutReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartRolloutTimer();
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.RolloutStarted, $"models/{Name}/rollout",
            from: $"v{baseline}", to: $"v{request.Candidate}", detail: reason);
        return await InfoAsync(rollout);
    }

    public async Task<RolloutInfo> GetRolloutAsync()
    {
        Require();
        return _committed.Rollout is { } rollout
            ? await InfoAsync(rollout)
            : throw new RolloutNotFoundException($"Model '{Name}' has no rollout; start one with PUT /api/models/{Name}/rollout.");
    }

    public async Task<RolloutInfo> AbortRolloutAsync(string? reason = null)
    {
        CheckReason(reason, message => new InvalidRolloutException(message));
        var current = Require();
        if (current.Rollout is not { IsRunning: true } rollout)
        {
            throw new RolloutNotFoundException($"Model '{Name}' has no rollout running.");
        }

        var decision = new RolloutDecision(time.GetUtcNow(), "abort", 0, reason ?? "aborted", Caller.Name);
        var ended = await EndRolloutAsync(current, rollout, RolloutStatus.Aborted, decision, aliasChange: null);
        return await InfoAsync(ended);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RolloutReminder)
        {
            return;
        }

        if (Watching(_committed))
        {
            StartRolloutTimer();
        }
        else if (await this.GetReminder(RolloutReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<AliasGuardInfo> SetAliasGuardAsync(string alias, RolloutGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        Names.Validate(alias, "alias");
        var current = Require();
        var version = AliasVersion(current, alias);
        RolloutPolicy.ValidateGuard(guard);
        RolloutPolicy.ValidateGuardFor(guard, Name, [(version, TaskOf(await VersionGrain(version).GetAsync()))]);
        await CommitAsync(current with { Guards = (current.Guards ?? ImmutableDictionary<string, RolloutGuard>.Empty).SetItem(alias, guard) });
        await this.RegisterOrUpdateReminder(RolloutReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartRolloutTimer();
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.AliasGuardSet, $"models/{Name}/aliases/{alias}/guard",
            to: guard.Metric, detail: $"maxDrop {guard.MaxDrop?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, max {guard.Max?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, minSamples {guard.MinSamples}");
        return GuardInfo(_committed, alias);
    }

    public async Task<AliasGuardInfo> RemoveAliasGuardAsync(string alias)
    {
        Names.Validate(alias, "alias");
        var current = Require();
        AliasVersion(current, alias);
        if (current.Guards?.ContainsKey(alias) == true)
        {
            await CommitAsync(current with { Guards = current.Guards.Remove(alias) });
            await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.AliasGuardRemoved, $"models/{Name}/aliases/{alias}/guard");
        }

        return GuardInfo(_committed, alias);
    }

    private int AliasVersion(ModelState current, string alias) => current.Aliases.TryGetValue(alias, out var version)
        ? version
        : throw new AliasNotFoundException($"Model '{Name}' has no alias '{alias}'. Known aliases: {Known(current.Aliases.Keys)}.");

    private AliasGuardInfo GuardInfo(ModelState current, string alias)
    {
        var stack = current.AliasStacks.GetValueOrDefault(alias, []);
        return new AliasGuardInfo(Name, alias, current.Aliases[alias], stack.IsDefaultOrEmpty ? null : stack[^1], current.Guards?.GetValueOrDefault(alias));
    }

    private static bool Watching(ModelState current) => current.Rollout is { IsRunning: true } || current.Guards is { IsEmpty: false };

    /// <summary>
    /// Checks each guarded alias (one without a rollout running on it): the version it points at, since its promotion,
    /// against the version before it over the last hour. A breach rolls the alias back, records the numbers in its
    /// history and removes the guard, so one regression causes one rollback.
    /// </summary>
    private async Task EvaluateGuardsAsync()
    {
        foreach (var (alias, guard) in _committed.Guards ?? ImmutableDictionary<string, RolloutGuard>.Empty)
        {
            var current = _committed;
            var stack = current.AliasStacks.GetValueOrDefault(alias, []);
            if (current.Rollout is { IsRunning: true } r && r.Alias == alias || stack.IsDefaultOrEmpty || !current.Aliases.TryGetValue(alias, out var version))
            {
                continue;
            }

            var previous = stack[^1];
            var promotedAt = current.History.LastOrDefault(h => h.Alias == alias && h.To == version)?.At ?? current.CreatedAt;
            var now = time.GetUtcNow();
            var health = GrainFactory.GetGrain<IModelHealthGrain>(Name);
            var observed = new RolloutPolicy.Observation(
                await health.GetCountsAsync(previous, now - TimeSpan.FromHours(1)),
                await health.GetCountsAsync(version, promotedAt),
                new HealthCounts());
            if (RolloutPolicy.Breach(guard, observed) is not { } breach)
            {
                continue;
            }

            var change = new AliasChange(alias, "rollback", version, previous, now, breach.Reason);
            await CommitAsync(current with
            {
                Aliases = current.Aliases.SetItem(alias, previous),
                AliasStacks = current.AliasStacks.SetItem(alias, stack.RemoveAt(stack.Length - 1)),
                History = Newest(current.History.Add(change)),
                Guards = current.Guards!.Remove(alias),
            });
            await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
            await PublishAsync();
            OrleansMlMetrics.RolloutDecided(Name, "guard-rollback");
            await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.AliasRolledBack, $"models/{Name}/aliases/{alias}",
                from: $"v{version}", to: $"v{previous}", detail: breach.Reason);
        }
    }

    private void StartRolloutTimer() =>
        _rolloutTimer ??= this.RegisterGrainTimer(EvaluateRolloutAsync, options.Value.Rollouts.EvaluationInterval, options.Value.Rollouts.EvaluationInterval);

    /// <summary>Checks the running rollout's guard and steps, and carries out what <see cref="RolloutPolicy"/> decides.</summary>
    private async Task EvaluateRolloutAsync(CancellationToken cancellationToken)
    {
        if (!Watching(_committed))
        {
            _rolloutTimer?.Dispose();
            _rolloutTimer = null;
            return;
        }

        try
        {
            await EvaluateGuardsAsync();
            var current = _committed;
            if (current.Rollout is not { IsRunning: true } rollout)
            {
                return;
            }

            var health = GrainFactory.GetGrain<IModelHealthGrain>(Name);
            var observed = new RolloutPolicy.Observation(
                await health.GetCountsAsync(rollout.Baseline, rollout.StartedAt),
                await health.GetCountsAsync(rollout.Candidate, rollout.StartedAt),
                await health.GetCountsAsync(rollout.Candidate, rollout.StepStartedAt));
            if (rollout.Guard is { } guard)
            {
                RecordGuard(guard.Metric, observed);
            }

            var now = time.GetUtcNow();
            if (RolloutPolicy.Decide(rollout, observed, now) is not { } decision)
            {
                return;
            }

            var entry = new RolloutDecision(now, decision.Action, decision.Weight, decision.Reason);
            switch (decision.Action)
            {
                case "advance":
                    await CommitAsync(current with
                    {
                        Rollout = rollout with { Weight = decision.Weight, StepStartedAt = now, Decisions = rollout.Decisions.Add(entry) },
                    });
                    await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
                    OrleansMlMetrics.RolloutDecided(Name, "advance");
                    break;
                case "promote":
                    await EndRolloutAsync(current, rollout, RolloutStatus.Promoted, entry,
                        new AliasChange(rollout.Alias, "promote", rollout.Baseline, rollout.Candidate, now, decision.Reason));
                    break;
                default:
                    await EndRolloutAsync(current, rollout, RolloutStatus.RolledBack, entry,
                        new AliasChange(rollout.Alias, "rollback", rollout.Candidate, rollout.Baseline, now, decision.Reason));
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next tick tries again; a failed write changed nothing.
            LogRolloutCheckFailed(logger, ex, Name);
        }
    }

    /// <summary>
    /// Ends the rollout and records why: a promotion moves the alias to the candidate (with its history entry); a
    /// rollback leaves the alias on the baseline and records the entry that explains it. The routes reach every silo
    /// before this returns.
    /// </summary>
    private async Task<RolloutState> EndRolloutAsync(ModelState current, RolloutState rollout, RolloutStatus status, RolloutDecision decision, AliasChange? aliasChange)
    {
        var ended = rollout with
        {
            Status = status,
            Weight = status == RolloutStatus.Promoted ? 100 : 0,
            EndedAt = decision.At,
            Decisions = rollout.Decisions.Add(decision),
        };
        var next = current with { Rollout = ended };
        if (aliasChange is not null)
        {
            next = next with { History = Newest(next.History.Add(aliasChange)) };
        }

        if (status == RolloutStatus.Promoted)
        {
            var stack = next.AliasStacks.GetValueOrDefault(rollout.Alias, []);
            next = next with
            {
                Aliases = next.Aliases.SetItem(rollout.Alias, rollout.Candidate),
                AliasStacks = next.AliasStacks.SetItem(rollout.Alias, Newest(stack.Add(rollout.Baseline))),
            };
        }

        await CommitAsync(next);
        await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
        await PublishAsync();
        OrleansMlMetrics.RolloutDecided(Name, decision.Action);
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.RolloutEnded, $"models/{Name}/rollout",
            from: $"v{rollout.Baseline}", to: $"v{rollout.Candidate}", detail: $"{EnumWords.Word(status)}: {decision.Reason}");
        if (status == RolloutStatus.Promoted)
        {
            await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.AliasPromoted, $"models/{Name}/aliases/{rollout.Alias}",
                from: $"v{rollout.Baseline}", to: $"v{rollout.Candidate}", detail: decision.Reason);
        }

        return ended;
    }

    private void RecordGuard(string metric, RolloutPolicy.Observation observed)
    {
        foreach (var (arm, counts) in new[] { ("baseline", observed.Baseline), ("candidate", observed.Candidate) })
        {
            double? value = metric switch
            {
                RolloutPolicy.Accuracy => counts.Accuracy,
                RolloutPolicy.Auc => counts.Auc,
                RolloutPolicy.ErrorRate => counts.ErrorRate,
                RolloutPolicy.P99 => counts.LatencyQuantileMs(0.99),
                RolloutPolicy.Rmse => counts.Labelled > 0 ? Math.Sqrt(counts.SquaredError / counts.Labelled) : null,
                _ => counts.Labelled > 0 ? counts.AbsoluteError / counts.Labelled : null,
            };
            if (value is { } v && double.IsFinite(v))
            {
                OrleansMlMetrics.RolloutGuardValue(Name, metric, arm, v);
            }
        }
    }

    private async Task<RolloutInfo> InfoAsync(RolloutState rollout)
    {
        var health = GrainFactory.GetGrain<IModelHealthGrain>(Name);
        var since = rollout.StartedAt;
        var baseline = await health.GetCountsAsync(rollout.Baseline, since);
        var candidate = await health.GetCountsAsync(rollout.Candidate, since);
        var signature = (await VersionGrain(rollout.Candidate).GetAsync()).Signature;
        return rollout.ToInfo(Name,
        [
            new RolloutArm("baseline", rollout.Baseline, ModelHealthGrain.Describe("rollout", baseline, signature)),
            new RolloutArm("candidate", rollout.Candidate, ModelHealthGrain.Describe("rollout", candidate, signature)),
        ]);
    }

    /// <summary>
    /// What keeps version <paramref name="version"/> from being deleted: every alias that points at it or returns to it on
    /// rollback. The one place to extend when something new comes to depend on a version.
    /// </summary>
    private static List<string> UsesOf(ModelState current, int version)
    {
        var uses = current.Aliases.Where(a => a.Value == version).Select(a => $"alias '{a.Key}' points at it").ToList();
        uses.AddRange(current.AliasStacks
            .Where(s => s.Value.Contains(version) && current.Aliases.GetValueOrDefault(s.Key) != version)
            .Select(s => $"alias '{s.Key}' returns to it on rollback"));
        if (current.Rollout is { IsRunning: true } rollout && (rollout.Candidate == version || rollout.Baseline == version))
        {
            uses.Add($"the running rollout of version {rollout.Candidate} against version {rollout.Baseline} uses it (abort it first)");
        }

        uses.Sort(StringComparer.Ordinal);
        return uses;
    }

    /// <summary>
    /// Removes versions from the registry (one write), then has each version grain delete its state and release its
    /// model file. A version grain that fails stays in <see cref="ModelState.Deleting"/> and is asked again by the next
    /// delete or end notice; meanwhile it is unreachable, since every read checks the registry first.
    /// </summary>
    private async Task DeleteVersionsAsync(IReadOnlyCollection<int> versions)
    {
        var current = _committed;
        var servable = versions.Any(current.Servable.Contains);
        await CommitAsync(current with
        {
            Versions = current.Versions.RemoveRange(versions),
            Servable = current.Servable.Except(versions),
            Requests = current.Requests!.RemoveRange(current.Requests!.Where(r => versions.Contains(r.Value.Version)).Select(r => r.Key)),
            Deleting = current.Deleting!.Union(versions),
        });
        LogDeleted(logger, Name, string.Join(", ", versions));
        if (servable)
        {
            await RoutePublisher.PublishAsync(GrainFactory, BuildRoutes(_committed), logger);
        }

        await FinishDeletionsAsync();
        await PublishAsync();
    }

    /// <summary>Asks the grains of removed versions to delete their state; drops from the list the ones that did.</summary>
    private async Task FinishDeletionsAsync()
    {
        var done = new List<int>();
        foreach (var version in _committed.Deleting!)
        {
            try
            {
                await GrainFactory.GetGrain<IModelVersionControl>(ModelVersionKey.Format(Name, version)).DeleteAsync();
                done.Add(version);
            }
            catch (Exception ex)
            {
                LogVersionDeleteFailed(logger, ex, Name, version);
            }
        }

        if (done.Count > 0)
        {
            try
            {
                await CommitAsync(_committed with { Deleting = _committed.Deleting!.Except(done) });
            }
            catch (StorageUnavailableException)
            {
                // Asked again next time; deleting twice is harmless.
            }
        }
    }

    /// <summary>
    /// Retention (<c>OrleansMl__KeepVersions</c>): keeps the newest N ended versions that nothing uses and deletes the
    /// rest. <paramref name="except"/> (the version whose end is being noted) is left for the next time.
    /// </summary>
    private async Task ApplyRetentionAsync(int except)
    {
        var keep = options.Value.KeepVersions;
        var current = _committed;
        if (keep <= 0)
        {
            return;
        }

        var beyond = current.Versions.Keys
            .Where(v => !current.Pending.Contains(v) && UsesOf(current, v).Count == 0)
            .OrderDescending()
            .Skip(keep)
            .Where(v => v != except)
            .ToList();
        if (beyond.Count == 0)
        {
            return;
        }

        try
        {
            await DeleteVersionsAsync(beyond);
        }
        catch (StorageUnavailableException ex)
        {
            // The next version's end tries again.
            LogRetentionFailed(logger, ex, Name);
        }
    }

    private async Task<ImmutableArray<int>> TrainedOnAsync(ModelState current, string dataset, int datasetVersion)
    {
        var found = ImmutableArray.CreateBuilder<int>();
        foreach (var (number, entry) in current.Versions)
        {
            if (entry.Dataset is not null)
            {
                if (entry.Dataset == dataset && entry.DatasetVersion == datasetVersion)
                {
                    found.Add(number);
                }

                continue;
            }

            // Registered before the registry kept lineage: the version knows.
            var spec = (await VersionGrain(number).GetAsync()).Spec;
            if (spec.Dataset == dataset && spec.DatasetVersion == datasetVersion)
            {
                found.Add(number);
            }
        }

        return found.ToImmutable();
    }

    private ModelSummary? Summary(ModelState current) => current.Exists
        ? new ModelSummary(Name, current.Versions.Count, current.Versions.Keys.Max(), current.Aliases)
        : null;

    /// <summary>
    /// Sets the model's listing in the catalog index. Done after the registry's write, and again by every activation, so a
    /// crash in between leaves the listing stale only until the model is next activated or changed.
    /// </summary>
    private async Task PublishAsync()
    {
        try
        {
            await GrainFactory.CatalogShard(Name).SetModelAsync(Name, _committed.Revision, Summary(_committed));
        }
        catch (Exception ex)
        {
            LogListingFailed(logger, ex, Name);
        }
    }

    private async Task ReleaseReservationAsync(string dataset, Guid reservation)
    {
        try
        {
            await GrainFactory.GetGrain<IDatasetReservations>(dataset).ReleaseAsync(reservation);
        }
        catch (Exception ex)
        {
            // The reservation expires by itself; until then a delete of the dataset version is refused.
            LogReservationReleaseFailed(logger, ex, Name, dataset);
        }
    }

    private async Task LeaveQueueAsync(string version)
    {
        try
        {
            await GrainFactory.GetGrain<ITrainingQueueGrain>(ITrainingQueueGrain.Key).LeaveAsync(version);
        }
        catch (Exception ex)
        {
            // The queue drops the entry itself once it is full and this registry no longer counts the version as pending.
            LogQueueLeaveFailed(logger, ex, version);
        }
    }

    private IdempotentRequest? Remembered(ModelState current, string key, DateTimeOffset now)
    {
        if (IdempotencyKeys.Problem(key) is { } problem)
        {
            throw new InvalidTrainingRequestException(problem);
        }

        return current.Requests!.TryGetValue(key, out var seen) && now - seen.At < options.Value.IdempotencyWindow && current.Versions.ContainsKey(seen.Version)
            ? seen
            : null;
    }

    /// <summary>Forgets keys older than the window, then the oldest beyond the most kept.</summary>
    private ImmutableDictionary<string, IdempotentRequest> Pruned(ImmutableDictionary<string, IdempotentRequest> requests, DateTimeOffset now)
    {
        var window = options.Value.IdempotencyWindow;
        var max = options.Value.MaxIdempotencyKeys;
        var expired = requests.Where(r => now - r.Value.At >= window).Select(r => r.Key).ToList();
        requests = requests.RemoveRange(expired);
        return requests.Count <= max
            ? requests
            : requests.RemoveRange(requests.OrderBy(r => r.Value.At).ThenBy(r => r.Value.Version).Take(requests.Count - max).Select(r => r.Key));
    }

    // An alias change's reason is stored in its history and the audit log, a rollout abort's in its decisions and the
    // audit log: both are held to the same length.
    private void CheckReason(string? reason, Func<string, OrleansMlException>? refuse = null)
    {
        var max = options.Value.MaxAliasReasonLength;
        if (reason is { Length: var length } && length > max)
        {
            var message = string.Create(CultureInfo.InvariantCulture,
                $"reason has {length} characters; at most {max} are allowed (OrleansMl__MaxAliasReasonLength). Shorten it.");
            throw refuse?.Invoke(message) ?? new InvalidAliasChangeException(message);
        }
    }

    /// <summary>The newest entries, at most <c>OrleansMl__MaxAliasHistory</c> (older history stays in the audit log).</summary>
    private ImmutableArray<T> Newest<T>(ImmutableArray<T> items)
    {
        var max = options.Value.MaxAliasHistory;
        return items.Length <= max ? items : items.RemoveRange(0, items.Length - max);
    }

    private static string Ago(TimeSpan span) => span.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, span.TotalMinutes):0} min");

    private async Task<VersionNotReadyException> NotServableAsync(int version, string why)
    {
        var status = (await VersionGrain(version).GetAsync()).Status;
        return new VersionNotReadyException(status == TrainingStatus.Succeeded
            ? $"Version {version} of model '{Name}' has succeeded but the registry has not taken note yet; try again in a moment."
            : $"Version {version} of model '{Name}' is {EnumWords.Word(status)}; {why}.");
    }

    private async Task CommitAsync(ModelState next)
    {
        next = next with { Revision = _committed.Revision + 1 };
        await state.CommitAsync(next, this, logger, $"model '{Name}'");
        _committed = next;
    }

    private ModelState Require() => _committed.Exists
        ? _committed
        : throw new ModelNotFoundException(_committed.NextVersion > 1
            ? $"Model '{Name}' has no versions left: all were deleted. Train a version to use it again."
            : $"Model '{Name}' does not exist. Train a version to create it.");

    private RegisteredVersion Find(ModelState current, int version)
    {
        VersionNumbers.Validate(version, "version");
        Require();
        if (current.Versions.TryGetValue(version, out var entry))
        {
            return entry;
        }

        var numbers = current.Versions.Keys.ToList();
        var known = numbers.Count <= 20 ? string.Join(", ", numbers) : $"{numbers[0]} to {numbers[^1]} ({numbers.Count} in all)";
        throw new ModelVersionNotFoundException(version > 0 && version < current.NextVersion
            ? $"Model '{Name}' has no version {version}: it was deleted. Its versions are {known}."
            : $"Model '{Name}' has no version {version}; its versions are {known}.");
    }

    private IModelVersionGrain VersionGrain(int version) => GrainFactory.GetModelVersion(Name, version);

    /// <summary>The task a version predicts: resolved once it succeeded, else as requested (<see cref="ModelTask.Auto"/> when not known).</summary>
    private static ModelTask TaskOf(ModelVersionInfo version) => version.Signature?.Task ?? version.Spec.Task;

    private static string Known(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Order()) : "none";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model}: checking the running rollout failed; the next check tries again")]
    private static partial void LogRolloutCheckFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model}: ignored the end of a version {Version} start it never recorded")]
    private static partial void LogIgnoredOrphan(ILogger logger, string model, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list model {Model} in the catalog; its next activation tries again")]
    private static partial void LogListingFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model}: deleted versions {Versions}")]
    private static partial void LogDeleted(ILogger logger, string model, string versions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model}: version {Version} did not delete its state yet; asked again later")]
    private static partial void LogVersionDeleteFailed(ILogger logger, Exception exception, string model, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model}: deleting versions beyond the retention failed; the next version's end tries again")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model}: could not release its reservation of a version of dataset {Dataset}; it expires by itself")]
    private static partial void LogReservationReleaseFailed(ILogger logger, Exception exception, string model, string dataset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not take {Version} off the cluster's training queue count")]
    private static partial void LogQueueLeaveFailed(ILogger logger, Exception exception, string version);
}
