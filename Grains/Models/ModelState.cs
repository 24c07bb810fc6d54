using System.Collections.Immutable;

namespace OrleansMl.Models;

/// <summary>
/// The registry of one model, as the model grain stores it. It names versions but holds nothing about them beyond
/// their identity: status, metrics, artifact and signature belong to each version's own grain.
/// </summary>
/// <param name="LegacyVersions">Versions as the previous release recorded them (with copies of their state); converted
/// into <paramref name="Versions"/> when such a state is first activated, then empty.</param>
/// <param name="Aliases">Alias name to version number.</param>
/// <param name="AliasStacks">Per alias, the versions it pointed at before, most recent last (what rollback returns to).</param>
/// <param name="History">Every promotion, rollback and removal of an alias, oldest first.</param>
/// <param name="CreatedAt">When the first version was registered.</param>
/// <param name="Revision">Grows with every stored change; orders the routing tables pushed to the silos.</param>
/// <param name="NextVersion">The number the next training gets.</param>
/// <param name="Versions">Every registered version by number.</param>
/// <param name="Servable">Versions that succeeded: the ones predictions and aliases may use.</param>
/// <param name="Pending">Versions whose end the registry has not yet been told of (queued, running, or ended unreported).</param>
/// <param name="Requests">Idempotency keys of training requests, with what they asked for and the version they got.</param>
/// <param name="Deleting">Versions removed from the registry whose own grain has not yet confirmed it deleted its state.</param>
/// <param name="Rollout">The current or last rollout.</param>
/// <param name="Guards">Per alias, the guard that rolls it back by itself (removed with its alias).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelState")]
public sealed record ModelState(
    [property: Id(0)] ImmutableArray<LegacyVersionEntry> LegacyVersions,
    [property: Id(1)] ImmutableDictionary<string, int> Aliases,
    [property: Id(2)] ImmutableDictionary<string, ImmutableArray<int>> AliasStacks,
    [property: Id(3)] ImmutableArray<AliasChange> History,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] long Revision,
    [property: Id(6)] int NextVersion,
    [property: Id(7)] ImmutableSortedDictionary<int, RegisteredVersion> Versions,
    [property: Id(8)] ImmutableSortedSet<int> Servable,
    [property: Id(9)] ImmutableSortedSet<int> Pending,
    [property: Id(10)] ImmutableDictionary<string, IdempotentRequest>? Requests = null,
    [property: Id(11)] ImmutableSortedSet<int>? Deleting = null,
    [property: Id(12)] OrleansMl.Rollouts.RolloutState? Rollout = null,
    [property: Id(13)] ImmutableDictionary<string, RolloutGuard>? Guards = null)
{
    /// <summary>A model with no version yet.</summary>
    public static ModelState Empty { get; } = new(
        [], ImmutableDictionary<string, int>.Empty, ImmutableDictionary<string, ImmutableArray<int>>.Empty, [], default, 0, 1,
        ImmutableSortedDictionary<int, RegisteredVersion>.Empty, [], [], ImmutableDictionary<string, IdempotentRequest>.Empty, []);

    /// <summary>Whether any version was ever registered: a model exists from its first version on.</summary>
    public bool Exists => !Versions.IsEmpty;

    /// <summary>Fields a stored state lacks (it was written before they existed) read as empty.</summary>
    public ModelState Normalized() => this with
    {
        LegacyVersions = LegacyVersions.IsDefault ? [] : LegacyVersions,
        Aliases = Aliases ?? Empty.Aliases,
        AliasStacks = AliasStacks ?? Empty.AliasStacks,
        History = History.IsDefault ? [] : History,
        NextVersion = Math.Max(NextVersion, 1),
        Versions = Versions ?? Empty.Versions,
        Servable = Servable ?? Empty.Servable,
        Pending = Pending ?? Empty.Pending,
        Requests = Requests ?? Empty.Requests,
        Deleting = Deleting ?? Empty.Deleting,
    };

    /// <summary>The registry once version <paramref name="version"/> has reported its end (unchanged if it already had).</summary>
    public ModelState Ended(int version, TrainingStatus status) => this with
    {
        Pending = Pending.Remove(version),
        Servable = status == TrainingStatus.Succeeded ? Servable.Add(version) : Servable,
    };
}

/// <summary>What the registry knows of one version: that it exists, which start of it counts, and what it trains.</summary>
/// <param name="Version">Version number.</param>
/// <param name="Allocation">Identifies the start of the version grain the registry recorded; reports from any other start are ignored.</param>
/// <param name="SpecHash">A stable content hash of the resolved training spec: the identity of what was asked for.</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="CreatedBy">Who asked for it (null when anonymous).</param>
/// <param name="Dataset">The dataset it trains on (null for versions registered before lineage was kept here).</param>
/// <param name="DatasetVersion">The dataset version it trains on (null as above).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.RegisteredVersion")]
public sealed record RegisteredVersion(
    [property: Id(0)] int Version,
    [property: Id(1)] Guid Allocation,
    [property: Id(2)] string SpecHash,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] string? CreatedBy,
    [property: Id(5)] string? Dataset = null,
    [property: Id(6)] int? DatasetVersion = null);

/// <summary>A training request made with an idempotency key.</summary>
/// <param name="RequestHash">The hash of the request as sent (<see cref="TrainingSpecHash.OfRequest"/>).</param>
/// <param name="Version">The version it created.</param>
/// <param name="At">When; the key is forgotten after the idempotency window.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.IdempotentRequest")]
public sealed record IdempotentRequest(
    [property: Id(0)] string RequestHash,
    [property: Id(1)] int Version,
    [property: Id(2)] DateTimeOffset At);

/// <summary>
/// A version as the previous release recorded it in the model's state. Only what the conversion needs is read; the
/// rest of that record (copies of status, metrics, artifact and signature) is skipped.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.VersionEntry")]
public sealed record LegacyVersionEntry(
    [property: Id(0)] int Version,
    [property: Id(1)] TrainingSpec Spec,
    [property: Id(5)] DateTimeOffset CreatedAt);
