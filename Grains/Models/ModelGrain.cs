using System.Collections.Immutable;
using Orleans.Runtime.Placement;
using OrleansMl.Datasets;
using Microsoft.Extensions.Logging;
using OrleansMl.Audit;
using OrleansMl.Hosting;
using OrleansMl.Predictions;

namespace OrleansMl.Models;

public sealed partial class ModelGrain(
    [PersistentState("model", StorageNames.Grains)] IPersistentState<ModelState> state,
    TimeProvider time,
    ILogger<ModelGrain> logger) : Grain, IModelGrain, IModelVersionListener, IModelRoutesSource
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    public const string DefaultAlias = "production";
    private const double DefaultTestFraction = 0.2;
    private const int DefaultSeed = 42;

    private string Name => this.GetPrimaryKeyString();

    private ModelState Current => state.RecordExists
        ? state.State
        : new ModelState([], ImmutableDictionary<string, int>.Empty, ImmutableDictionary<string, ImmutableArray<int>>.Empty, [], time.GetUtcNow());

    public async Task<ModelVersionInfo> TrainAsync(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Names.Validate(Name, "model");
        var spec = await ResolveSpecAsync(request);

        var version = Current.Versions.Length + 1;
        var entry = new VersionEntry(version, spec, TrainingStatus.Queued, null, ImmutableDictionary<string, double>.Empty, time.GetUtcNow(), null, null, null);
        await GrainFactory.GetGrain<ICatalogGrain>(ICatalogGrain.Key).AddModelAsync(Name);
        await UpdateStateAsync(Current with { Versions = Current.Versions.Add(entry) });
        await AuditTrail.RecordAsync(GrainFactory, ServiceProvider, AuditActions.TrainingRequested, $"models/{Name}", to: $"v{version}",
            detail: $"dataset {spec.Dataset} v{spec.DatasetVersion}, label {spec.Label}, task {spec.Task.ToString().ToLowerInvariant()}, algorithm {spec.Algorithm.ToString().ToLowerInvariant()}");
        return await StartNearDatasetAsync(version, spec);
    }

    public async Task<ModelInfo> GetAsync()
    {
        RequireVersions();
        await RefreshUnfinishedAsync();
        var current = Current;
        return new ModelInfo(Name, current.Versions.Select(v => v.ToSummary()).ToImmutableArray(), current.Aliases, current.History, current.CreatedAt);
    }

    public async Task<ModelVersionInfo> GetVersionAsync(int version)
    {
        var entry = Find(version);
        var info = await GetOrRestartAsync(entry);
        await RecordAsync(info);
        return info;
    }

    public async Task<ModelVersionInfo> CancelAsync(int version)
    {
        var entry = Find(version);
        var before = await GetOrRestartAsync(entry);
        var info = await VersionGrain(version).CancelAsync();
        await RecordAsync(info);
        if (info.Status == TrainingStatus.Cancelled && before.Status != TrainingStatus.Cancelled)
        {
            await AuditTrail.RecordAsync(GrainFactory, ServiceProvider, AuditActions.TrainingCancelled, $"models/{Name}/versions/{version}",
                from: Describe(before.Status), to: Describe(info.Status));
        }

        return info;
    }

    public async Task<AliasInfo> SetAliasAsync(string alias, int version, string? reason = null)
    {
        Names.Validate(alias, "alias");
        var entry = Find(version);
        var info = await GetOrRestartAsync(entry);
        await RecordAsync(info);
        if (info.Status != TrainingStatus.Succeeded)
        {
            throw new VersionNotReadyException(
                $"Version {version} of model '{Name}' is {Describe(info.Status)}; only a succeeded version can be promoted.");
        }

        var current = Current;
        var from = current.Aliases.TryGetValue(alias, out var previous) ? previous : (int?)null;
        if (from == version)
        {
            var last = current.History.LastOrDefault(h => h.Alias == alias);
            return new AliasInfo(Name, alias, version, last ?? new AliasChange(alias, "promote", from, version, time.GetUtcNow(), reason));
        }

        var change = new AliasChange(alias, "promote", from, version, time.GetUtcNow(), reason);
        var stack = current.AliasStacks.GetValueOrDefault(alias, []);
        await UpdateStateAsync(current with
        {
            Aliases = current.Aliases.SetItem(alias, version),
            AliasStacks = current.AliasStacks.SetItem(alias, from is { } f ? stack.Add(f) : stack),
            History = current.History.Add(change),
        });
        await PublishRoutesAsync();
        await AuditTrail.RecordAsync(GrainFactory, ServiceProvider, AuditActions.AliasPromoted, $"models/{Name}/aliases/{alias}",
            from: from is { } was ? $"v{was}" : null, to: $"v{version}", detail: reason);
        return new AliasInfo(Name, alias, version, change);
    }

    public async Task<AliasInfo> RollbackAliasAsync(string alias, string? reason = null)
    {
        Names.Validate(alias, "alias");
        RequireVersions();
        var current = Current;
        if (!current.Aliases.TryGetValue(alias, out var now))
        {
            throw new AliasNotFoundException($"Model '{Name}' has no alias '{alias}'. Promote a succeeded version to create it.");
        }

        var stack = current.AliasStacks.GetValueOrDefault(alias, []);
        if (stack.IsEmpty)
        {
            throw new RollbackUnavailableException(
                $"Alias '{alias}' of model '{Name}' has no earlier version to roll back to: it has only pointed at version {now}.");
        }

        var target = stack[^1];
        var change = new AliasChange(alias, "rollback", now, target, time.GetUtcNow(), reason);
        await UpdateStateAsync(current with
        {
            Aliases = current.Aliases.SetItem(alias, target),
            AliasStacks = current.AliasStacks.SetItem(alias, stack.RemoveAt(stack.Length - 1)),
            History = current.History.Add(change),
        });
        await PublishRoutesAsync();
        await AuditTrail.RecordAsync(GrainFactory, ServiceProvider, AuditActions.AliasRolledBack, $"models/{Name}/aliases/{alias}",
            from: $"v{now}", to: $"v{target}", detail: reason);
        return new AliasInfo(Name, alias, target, change);
    }

    public async Task<ResolvedVersion> ResolveAsync(int? version = null, string? alias = null)
    {
        var current = Current;
        if (current.Versions.IsEmpty)
        {
            throw new ModelNotFoundException($"Model '{Name}' does not exist. Train a version first.");
        }

        VersionEntry entry;
        string? via = null;
        if (version is { } v)
        {
            entry = Find(v);
        }
        else if (alias is not null)
        {
            entry = current.Aliases.TryGetValue(alias, out var aliased)
                ? Find(aliased)
                : throw new AliasNotFoundException($"Model '{Name}' has no alias '{alias}'. Known aliases: {Known(current.Aliases.Keys)}.");
            via = alias;
        }
        else if (current.Aliases.TryGetValue(DefaultAlias, out var production))
        {
            entry = Find(production);
            via = DefaultAlias;
        }
        else
        {
            entry = current.Versions.LastOrDefault(e => e.Status == TrainingStatus.Succeeded)
                ?? throw new VersionNotReadyException(
                    $"Model '{Name}' has no succeeded version yet (latest: version {current.Versions[^1].Version}, {Describe(current.Versions[^1].Status)}). Wait for training to finish.");
        }

        if (entry.Status != TrainingStatus.Succeeded || entry.ArtifactHash is null || entry.Signature is null)
        {
            // The registry may not have heard of a completion yet: ask the version itself.
            var info = await VersionGrain(entry.Version).GetAsync();
            if (info.Status != TrainingStatus.Succeeded || info.ArtifactHash is null || info.Signature is null)
            {
                throw new VersionNotReadyException(
                    $"Version {entry.Version} of model '{Name}' is {Describe(info.Status)}; it can serve predictions only once it has succeeded.");
            }

            return new ResolvedVersion(Name, entry.Version, via, info.ArtifactHash, info.Signature);
        }

        return new ResolvedVersion(Name, entry.Version, via, entry.ArtifactHash, entry.Signature);
    }

    public Task OnVersionChangedAsync(ModelVersionInfo info) => RecordAsync(info);

    public Task<ModelRoutes> GetRoutesAsync() => Task.FromResult(BuildRoutes());

    private ModelRoutes BuildRoutes()
    {
        var current = Current;
        var servable = current.Versions
            .Where(v => v.Status == TrainingStatus.Succeeded && v.ArtifactHash is not null && v.Signature is not null)
            .ToImmutableDictionary(v => v.Version, v => new ResolvedVersion(Name, v.Version, null, v.ArtifactHash!, v.Signature!));
        return new ModelRoutes(Name, current.Revision, current.Aliases, servable);
    }

    /// <summary>
    /// Pushes the routing table to every active silo before the change is acknowledged, so predictions resolved on
    /// any silo see it on their next call. A silo that does not answer in time holds a table that expires soon.
    /// </summary>
    private async Task PublishRoutesAsync()
    {
        var routes = BuildRoutes();
        try
        {
            var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            await Task.WhenAll(hosts.Keys.Select(silo => OfferToAsync(silo, routes)));
        }
        catch (Exception ex)
        {
            LogPublishFailed(logger, ex, Name);
        }
    }

    private async Task OfferToAsync(SiloAddress silo, ModelRoutes routes)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            await GrainFactory.GetGrain<IRouteCacheGrain>(silo.ToParsableString()).OfferAsync(routes).WaitAsync(PublishTimeout);
        }
        catch (Exception ex)
        {
            LogPublishFailed(logger, ex, Name);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not push the routes of model {Model} to every silo; stale copies expire on their own")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string model);

    private async Task<TrainingSpec> ResolveSpecAsync(TrainingRequest request)
    {
        Names.Validate(request.Dataset, "dataset");
        if (string.IsNullOrWhiteSpace(request.Label))
        {
            throw new InvalidTrainingRequestException("label is required: name the dataset column the model should predict.");
        }

        var testFraction = request.TestFraction ?? DefaultTestFraction;
        if (double.IsNaN(testFraction) || testFraction <= 0 || testFraction > 0.9)
        {
            throw new InvalidTrainingRequestException($"testFraction must be greater than 0 and at most 0.9 (got {testFraction}).");
        }

        var dataset = GrainFactory.GetGrain<IDatasetGrain>(request.Dataset);
        var version = request.DatasetVersion is { } v ? await dataset.GetVersionAsync(v) : (await dataset.GetAsync()).Latest;
        var columns = version.Columns.Select(c => c.Name).ToList();
        if (!columns.Contains(request.Label))
        {
            throw new InvalidTrainingRequestException(
                $"Dataset '{version.Name}' version {version.Version} has no column '{request.Label}' to use as the label. Columns: {string.Join(", ", columns)}.");
        }

        var features = request.Features.IsDefault ? [] : request.Features;
        var unknown = features.Where(f => !columns.Contains(f)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidTrainingRequestException(
                $"Dataset '{version.Name}' version {version.Version} has no column(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Columns: {string.Join(", ", columns)}.");
        }

        if (features.Contains(request.Label))
        {
            throw new InvalidTrainingRequestException($"The label '{request.Label}' cannot also be a feature; remove it from features.");
        }

        return new TrainingSpec(
            version.Name, version.Version, version.ContentHash, request.Label, request.Task, request.Algorithm, features,
            request.Parameters ?? ImmutableDictionary<string, double>.Empty, testFraction, request.Seed ?? DefaultSeed);
    }

    /// <summary>
    /// Activates the version on the silo that holds the dataset grain, and so its cached features (a placement hint:
    /// the runtime falls back to its own choice if that silo is gone).
    /// </summary>
    private async Task<ModelVersionInfo> StartNearDatasetAsync(int version, TrainingSpec spec)
    {
        var silo = await GrainFactory.GetGrain<IDatasetLocation>(spec.Dataset).GetSiloAsync();
        var previous = RequestContext.Get(IPlacementDirector.PlacementHintKey);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return await VersionGrain(version).StartAsync(spec);
        }
        finally
        {
            if (previous is null)
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
            else
            {
                RequestContext.Set(IPlacementDirector.PlacementHintKey, previous);
            }
        }
    }

    private async Task RefreshUnfinishedAsync()
    {
        foreach (var entry in Current.Versions.Where(e => !e.Status.IsTerminal()))
        {
            await RecordAsync(await GetOrRestartAsync(entry));
        }
    }

    /// <summary>Reads a version; a version whose start was lost in a crash is started again from the recorded spec.</summary>
    private async Task<ModelVersionInfo> GetOrRestartAsync(VersionEntry entry)
    {
        try
        {
            return await VersionGrain(entry.Version).GetAsync();
        }
        catch (ModelVersionNotFoundException)
        {
            return await StartNearDatasetAsync(entry.Version, entry.Spec);
        }
    }

    private async Task RecordAsync(ModelVersionInfo info)
    {
        var current = Current;
        var index = info.Version - 1;
        if (index < 0 || index >= current.Versions.Length)
        {
            return;
        }

        var previous = current.Versions[index];
        var updated = previous.With(info);
        if (updated != previous)
        {
            await UpdateStateAsync(current with { Versions = current.Versions.SetItem(index, updated) });
            if (updated.Status == TrainingStatus.Succeeded && previous.Status != TrainingStatus.Succeeded)
            {
                await PublishRoutesAsync();
            }
        }
    }

    private ImmutableArray<VersionEntry> RequireVersions() => Current.Versions.IsEmpty
        ? throw new ModelNotFoundException($"Model '{Name}' does not exist. Train a version to create it.")
        : Current.Versions;

    private VersionEntry Find(int version)
    {
        var versions = RequireVersions();
        return version >= 1 && version <= versions.Length
            ? versions[version - 1]
            : throw new ModelVersionNotFoundException($"Model '{Name}' has no version {version}; it has versions 1 to {versions.Length}.");
    }

    private IModelVersionGrain VersionGrain(int version) => GrainFactory.GetModelVersion(Name, version);

    private static string Describe(TrainingStatus status) => status.ToString().ToLowerInvariant();

    private static string Known(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Order()) : "none";

    private Task UpdateStateAsync(ModelState next)
    {
        state.State = next with { Revision = Current.Revision + 1 };
        return state.WriteStateAsync();
    }
}
