using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Diagnostics;
using OrleansMl.Audit;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Models;
using OrleansMl.Storage;

namespace OrleansMl.Datasets;

public sealed partial class DatasetGrain(
    [PersistentState("dataset", StorageNames.Grains)] IPersistentState<DatasetState> state,
    DatasetFrameLoader frames,
    FrameCache cache,
    IArtifactStore artifacts,
    IOptions<OrleansMlOptions> options,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<DatasetGrain> logger) : Grain, IDatasetGrain, IDatasetLocation, IDatasetReservations, IArtifactReferrer
{
    // How many model registries a delete asks at once whether they trained on the version.
    private const int LineageQueries = 16;

    /// <summary>Seconds a refusal for too many trainings being accepted at once asks the caller to wait.</summary>
    private const int ReservationsRetryAfterSeconds = 5;

    // What storage holds; reads use it, never state.State.
    private DatasetState? _committed;

    // Trainings being accepted on a version, which a delete must not pull the rows from under.
    private readonly DatasetReservations _reservations = new(time);

    private string Name => this.GetPrimaryKeyString();

    private ImmutableArray<DatasetVersionRecord> Versions =>
        _committed is { Versions.IsDefault: false } committed ? committed.Versions : [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State : null;
        if (!Versions.IsEmpty)
        {
            // In the background: the activation does not wait for the catalog (which may itself be failing over), and a
            // delete that stopped before releasing its CSV finishes now.
            _ = PublishAsync();
            _ = ReleaseDeletedAsync();
        }

        return Task.CompletedTask;
    }

    public async Task<DatasetUploadResult> AddVersionAsync(Guid uploadId, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await AddVersionCoreAsync(uploadId, cancellationToken);
            OrleansMlMetrics.UploadAccepted(result);
            return result;
        }
        catch (OrleansMlException ex) when (Rejected(ex))
        {
            throw;
        }
    }

    /// <summary>Counts a refused upload; never catches the error.</summary>
    private static bool Rejected(OrleansMlException exception)
    {
        OrleansMlMetrics.UploadRejected(OrleansMlMetrics.Reason(exception));
        return false;
    }

    private async Task<DatasetUploadResult> AddVersionCoreAsync(Guid uploadId, CancellationToken cancellationToken)
    {
        Names.Validate(Name, "dataset");
        var receipt = await GrainFactory.GetGrain<IUploadGrain>(uploadId).CompleteAsync(cancellationToken);
        var stored = false;
        try
        {
            if (Versions.FirstOrDefault(v => !v.Info.IsDeleted && v.Info.ContentHash == receipt.ContentHash) is { } existing)
            {
                return new DatasetUploadResult(existing.Info, Created: false);
            }

            if (receipt.SizeBytes == 0)
            {
                throw new InvalidDatasetException("The upload is empty: send CSV text with a header row and at least one data row.");
            }

            // Parsed while staged: a rejected upload is deleted below without ever reaching the store.
            var frame = await frames.ParseStagedAsync(uploadId, cancellationToken);
            stored = true; // From here on the staged upload is committed or discarded by CreateVersionAsync.
            var info = await CreateVersionAsync(uploadId, receipt, frame, next => next, string.Empty, cancellationToken);
            return new DatasetUploadResult(info, Created: true);
        }
        finally
        {
            if (!stored)
            {
                await DiscardStagedAsync(uploadId);
            }
        }
    }

    /// <summary>
    /// Stores a staged CSV as the next version with its parsed <paramref name="frame"/>: the reference and the bytes
    /// first, then the state (with <paramref name="alsoChange"/> applied), so a failure at any step leaves no state
    /// naming missing bytes. The staged upload is committed, or discarded when this fails before committing it.
    /// </summary>
    private async Task<DatasetVersionInfo> CreateVersionAsync(
        Guid stagedId, UploadReceipt receipt, DatasetFrame frame, Func<DatasetState, DatasetState> alsoChange, string detail, CancellationToken cancellationToken)
    {
        var versions = Versions;
        var number = versions.Length + 1;
        var owner = ArtifactOwners.Dataset(Name, number);
        try
        {
            await artifacts.AddReferenceAsync(receipt.ContentHash, owner, cancellationToken);
            await artifacts.CommitStagedAsync(stagedId, receipt, cancellationToken);
        }
        catch
        {
            await DiscardStagedAsync(stagedId);
            throw;
        }

        var info = new DatasetVersionInfo(
            Name, number, frame.RowCount, frame.Schema, receipt.ContentHash, receipt.SizeBytes, time.GetUtcNow(), Caller.Name);
        var sample = Enumerable.Range(0, Math.Min(DatasetPreview.MaxSampleRows, frame.RowCount))
            .Select(r => frame.GetRow(r).ToImmutableDictionary(c => c.Key, c => c.Value is null ? null : frames.Csv.Shown(c.Value)))
            .ToImmutableArray();
        var next = _committed is { } current
            ? current with { Versions = versions.Add(new DatasetVersionRecord(info, sample)) }
            : new DatasetState([new DatasetVersionRecord(info, sample)], info.CreatedAt);
        await CommitAsync(alsoChange(next));
        frames.Remember(receipt.ContentHash, frame);
        await ConfirmAsync(receipt.ContentHash, owner);
        await PublishAsync();
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.DatasetVersionCreated, $"datasets/{Name}",
            to: $"v{info.Version}", detail: $"{detail}{info.Rows} rows, {info.Columns.Length} columns, {info.SizeBytes} bytes");
        return info;
    }

    public async Task<DatasetUploadResult> AppendRowsAsync(
        Guid uploadId, RowsFormat format, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await AppendRowsCoreAsync(uploadId, format, idempotencyKey, cancellationToken);
            OrleansMlMetrics.UploadAccepted(result);
            return result;
        }
        catch (OrleansMlException ex) when (Rejected(ex))
        {
            throw;
        }
        finally
        {
            // The rows were only read; the version, if one was made, stores them within its whole CSV.
            await DiscardStagedAsync(uploadId);
        }
    }

    private async Task<DatasetUploadResult> AppendRowsCoreAsync(Guid uploadId, RowsFormat format, string? idempotencyKey, CancellationToken cancellationToken)
    {
        Names.Validate(Name, "dataset");
        var settings = options.Value;
        var receipt = await GrainFactory.GetGrain<IUploadGrain>(uploadId).CompleteAsync(cancellationToken);
        if (format == RowsFormat.Json && receipt.SizeBytes > settings.MaxJsonBodyBytes)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"The JSON rows are {receipt.SizeBytes} bytes; at most {settings.MaxJsonBodyKilobytes} KB are read as JSON (OrleansMl__MaxJsonBodyKilobytes). Send fewer rows per call, or send them as CSV."));
        }

        var now = time.GetUtcNow();
        if (idempotencyKey is not null && RememberedAppend(idempotencyKey, now) is { } seen)
        {
            // The same rows however they are spelled. Keys remembered before rows were fingerprinted hold the hash of the
            // bytes sent, which the same bytes still match.
            var made = Versions[seen.Version - 1].Info;
            return seen.RowsHash == $"{EnumWords.Word(format)}:{receipt.ContentHash}"
                || seen.RowsHash == await RowsFingerprintAsync(uploadId, format, [.. made.Columns.Select(c => c.Name)], $"dataset '{Name}' version {made.Version}", cancellationToken)
                ? new DatasetUploadResult(made, Created: false)
                : throw new IdempotencyConflictException(
                    $"Idempotency key '{idempotencyKey}' was used for other rows appended to dataset '{Name}' (they made version {seen.Version}). "
                    + "Use a new key for new rows, or send the same rows again.");
        }

        var baseline = RequireVersions().LastOrDefault(v => !v.Info.IsDeleted)?.Info
            ?? throw new DatasetNotFoundException($"Dataset '{Name}' has no live version to append rows to; every version was deleted. Upload a CSV first.");

        char separator;
        await using (var stored = await artifacts.OpenReadAsync(baseline.ContentHash, cancellationToken))
        {
            separator = FrameAppender.SeparatorOf(stored);
        }

        var where = $"dataset '{Name}' version {baseline.Version}";
        var (previous, _) = await frames.GetAsync(Name, baseline.ContentHash, cancellationToken);
        var columns = previous.Columns.Select(c => c.Name).ToList();
        await using var sent = await artifacts.OpenStagedAsync(uploadId, cancellationToken);
        var (text, frame, rowsHash) = await frames.RunAsync(() =>
        {
            var written = FrameAppender.Write(ReadRows(sent, format, columns, where, cancellationToken), columns, separator);
            var appended = FrameAppender.ReadBack(written, columns.Count, separator, frames.Csv);
            if (appended.Count == 0)
            {
                throw new InvalidDatasetException($"There are no rows to append: send at least one row below the header with the columns of {where}.");
            }

            return (written, FrameAppender.Append(previous, appended, frames.Csv, where), RowsHash(appended));
        }, cancellationToken);

        var size = baseline.SizeBytes + 1 + text.Length;
        if (size > settings.MaxUploadBytes)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"With the appended rows, {where} would be {size / 1048576.0:F1} MB, more than the {settings.MaxUploadMegabytes} MB a dataset version may hold (OrleansMl__MaxUploadMegabytes)."));
        }

        // The new version's CSV: the stored bytes as they are, then the new rows. A fresh upload of it parses to this frame.
        var staged = Guid.NewGuid();
        UploadReceipt whole;
        byte last = 0;
        try
        {
            await using (var stored = await artifacts.OpenReadAsync(baseline.ContentHash, cancellationToken))
            {
                var buffer = new byte[ClusterClientExtensions.UploadChunkBytes];
                int read;
                while ((read = await stored.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await artifacts.AppendStagedAsync(staged, buffer.AsMemory(0, read), cancellationToken);
                    last = buffer[read - 1];
                }
            }

            if (last is not ((byte)'\n' or (byte)'\r'))
            {
                await artifacts.AppendStagedAsync(staged, "\n"u8.ToArray(), cancellationToken);
            }

            await artifacts.AppendStagedAsync(staged, text, cancellationToken);
            whole = await artifacts.SealStagedAsync(staged, cancellationToken);
        }
        catch
        {
            await DiscardStagedAsync(staged);
            throw;
        }

        if (Versions.FirstOrDefault(v => !v.Info.IsDeleted && v.Info.ContentHash == whole.ContentHash) is { } existing)
        {
            await DiscardStagedAsync(staged);
            return new DatasetUploadResult(existing.Info, Created: false);
        }

        var info = await CreateVersionAsync(staged, whole, frame, next => idempotencyKey is null
            ? next
            : next with { Appends = PrunedAppends(
                (next.Appends ?? ImmutableDictionary<string, AppendRequest>.Empty).SetItem(idempotencyKey, new AppendRequest(rowsHash, next.Versions.Length, now)), now) },
            $"{frame.RowCount - baseline.Rows} rows appended to v{baseline.Version}; ", cancellationToken);
        return new DatasetUploadResult(info, Created: true);
    }

    /// <summary>The fingerprint of the staged rows, read with <paramref name="columns"/> as an append reads them.</summary>
    private async Task<string> RowsFingerprintAsync(Guid uploadId, RowsFormat format, List<string> columns, string where, CancellationToken cancellationToken)
    {
        await using var sent = await artifacts.OpenStagedAsync(uploadId, cancellationToken);
        return await frames.RunAsync(
            () => RowsHash(FrameAppender.ReadBack(FrameAppender.Write(ReadRows(sent, format, columns, where, cancellationToken), columns, ','), columns.Count, ',', frames.Csv)),
            cancellationToken);
    }

    private List<string[]> ReadRows(Stream sent, RowsFormat format, List<string> columns, string where, CancellationToken cancellationToken) =>
        format == RowsFormat.Json
            ? FrameAppender.ReadJson(sent, columns, where)
            : FrameAppender.ReadCsv(sent, columns, frames.Csv, where, cancellationToken);

    /// <summary>What an idempotency key remembers of an append: its rows' cells, not the bytes that spelled them.</summary>
    private static string RowsHash(List<string[]> appended) => $"rows:{FrameAppender.Fingerprint(appended)}";

    private AppendRequest? RememberedAppend(string key, DateTimeOffset now)
    {
        if (IdempotencyKeys.Problem(key) is { } problem)
        {
            throw new InvalidDatasetException(problem);
        }

        return _committed?.Appends is { } appends && appends.TryGetValue(key, out var seen) && now - seen.At < options.Value.IdempotencyWindow
            ? seen
            : null;
    }

    /// <summary>Forgets keys older than the window, then the oldest beyond the most kept.</summary>
    private ImmutableDictionary<string, AppendRequest> PrunedAppends(ImmutableDictionary<string, AppendRequest> appends, DateTimeOffset now)
    {
        var window = options.Value.IdempotencyWindow;
        var max = options.Value.MaxIdempotencyKeys;
        appends = appends.RemoveRange(appends.Where(r => now - r.Value.At >= window).Select(r => r.Key).ToList());
        return appends.Count <= max
            ? appends
            : appends.RemoveRange(appends.OrderBy(r => r.Value.At).ThenBy(r => r.Value.Version).Take(appends.Count - max).Select(r => r.Key).ToList());
    }

    public async Task<DatasetVersionInfo> DeleteVersionAsync(int version)
    {
        var record = Find(version);
        if (record.Info.IsDeleted)
        {
            return record.Info;
        }

        // Checked before the registries are asked: while this delete runs no reservation can be taken (the grain is not
        // reentrant), and a training that releases its reservation meanwhile has stored its version, which they report.
        var accepting = _reservations.HoldersOf(version);
        if (accepting.Count > 0)
        {
            throw new VersionInUseException(
                $"Dataset '{Name}' version {version} cannot be deleted right now: "
                + (accepting.Count == 1 ? $"a training of model '{accepting[0]}' is" : $"trainings of models {NameList.Quoted(accepting)} are")
                + " being accepted on it. "
                + "Try again in a moment; once the training is accepted, delete the model version it creates first.");
        }

        var users = await TrainedOnAsync(version);
        if (users.Count > 0)
        {
            var named = string.Join(", ", users.Take(10)) + (users.Count > 10 ? $" and {users.Count - 10} more" : string.Empty);
            throw new VersionInUseException(
                $"Dataset '{Name}' version {version} cannot be deleted: {named} {(users.Count == 1 ? "was" : "were")} trained on it. "
                + "Delete those model versions first, or keep the dataset version.");
        }

        var deleted = record with { Info = record.Info with { DeletedAt = time.GetUtcNow(), DeletedBy = Caller.Name }, Sample = [] };
        await CommitAsync(_committed! with { Versions = Versions.SetItem(version - 1, deleted) });
        await ReleaseAsync(version);
        await PublishAsync();
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.DatasetVersionDeleted, $"datasets/{Name}", from: $"v{version}");
        return deleted.Info;
    }

    public Task<DatasetVersionInfo> ReserveAsync(Guid reservation, string model, int? version)
    {
        var info = version is { } v
            ? Find(v).Info
            : RequireVersions().LastOrDefault(r => !r.Info.IsDeleted)?.Info ?? Versions[^1].Info;
        if (info.IsDeleted)
        {
            throw TrainingSpecValidator.Deleted(info);
        }

        if (!_reservations.TryHold(reservation, model, info.Version))
        {
            throw new TrainingQueueFullException(
                $"Dataset '{Name}' already has {DatasetReservations.MaxHeld} trainings being accepted on it at this moment, the most it holds at once. "
                + "Nothing was started; try again in a moment.",
                ReservationsRetryAfterSeconds);
        }

        // Idle collection would drop the reservation with the activation.
        DelayDeactivation(DatasetReservations.Lifetime);
        return Task.FromResult(info);
    }

    public Task ReleaseAsync(Guid reservation)
    {
        _reservations.Release(reservation);
        return Task.CompletedTask;
    }

    public Task<DatasetInfo> GetAsync() =>
        Task.FromResult(new DatasetInfo(Name, RequireVersions().Select(v => v.Info).ToImmutableArray(), _committed!.CreatedAt));

    public Task<DatasetVersionInfo> GetVersionAsync(int version) => Task.FromResult(Find(version).Info);

    public Task<DatasetPreview> PreviewAsync(int version, int rows = 5)
    {
        if (rows is < 0 or > DatasetPreview.MaxSampleRows)
        {
            throw new InvalidListRequestException($"The number of sample rows must be between 0 and {DatasetPreview.MaxSampleRows} (got {rows}); omit it for 5.");
        }

        var record = Find(version);
        return Task.FromResult(new DatasetPreview(record.Info, record.Sample.Take(rows).ToImmutableArray()));
    }

    public async Task<DatasetDrift> GetDriftAsync(int version, int against)
    {
        if (against != DatasetDrift.PreviousVersion)
        {
            VersionNumbers.Validate(against, "against");
        }

        var measured = Live(Find(version).Info, "measured");
        var reference = against == DatasetDrift.PreviousVersion
            ? Versions.Take(version - 1).LastOrDefault(v => !v.Info.IsDeleted)?.Info
                ?? throw new InvalidDriftRequestException(
                    $"Dataset '{Name}' has no live version older than version {version} to compare it with; pass another version as 'against'.")
            : Live(Find(against).Info, "compared against");
        if (reference.Version == measured.Version)
        {
            throw new InvalidDriftRequestException(
                $"Dataset '{Name}' version {version} cannot be compared with itself; pass another version as 'against' (or omit it for the previous version).");
        }

        var (frame, _) = await frames.GetAsync(Name, measured.ContentHash, CancellationToken.None);
        var referenceFrame = DriftMeasure.NeedsReferenceRows(reference.Columns)
            ? (await frames.GetAsync(Name, reference.ContentHash, CancellationToken.None)).Frame
            : null;
        var (columns, max, maxColumn) = await frames.RunAsync(
            () => DriftMeasure.Measure(reference.Columns, referenceFrame, frame), CancellationToken.None);
        return new DatasetDrift(Name, measured.Version, reference.Version, columns, max, maxColumn, measured.Rows, reference.Rows);
    }

    /// <summary><paramref name="info"/>, unless it was deleted (its rows are gone).</summary>
    private DatasetVersionInfo Live(DatasetVersionInfo info, string role) => info.IsDeleted
        ? throw new DatasetNotFoundException(
            $"Dataset '{Name}' version {info.Version} was deleted: its rows are gone, so it cannot be {role}. Choose a live version.")
        : info;

    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(silo.SiloAddress);

    public Task<DatasetCacheStats> GetCacheStatsAsync() =>
        Task.FromResult(cache.GetStats(Name, Versions.Select(v => v.Info.ContentHash)));

    public Task<bool> HoldsAsync(string hash, int version) =>
        Task.FromResult(version >= 1 && version <= Versions.Length && Versions[version - 1] is { Info.IsDeleted: false } record && record.Info.ContentHash == hash);

    /// <summary>The live model versions trained on <paramref name="version"/>, as "model 'm' version 3", from every model's registry.</summary>
    private async Task<List<string>> TrainedOnAsync(int version)
    {
        var models = await CatalogIndex.GetModelNamesAsync(GrainFactory);
        var users = new List<string>();
        foreach (var batch in models.Chunk(LineageQueries))
        {
            var found = await Task.WhenAll(batch.Select(async m =>
                (Model: m, Versions: await GrainFactory.GetGrain<IModelLineage>(m).GetVersionsTrainedOnAsync(Name, version))));
            users.AddRange(found.SelectMany(f => f.Versions.Select(v => $"model '{f.Model}' version {v}")));
        }

        return users;
    }

    /// <summary>Releases the CSV of a deleted version, then records that it did (so activations stop trying).</summary>
    private async Task ReleaseAsync(int version)
    {
        var record = Versions[version - 1];
        try
        {
            await artifacts.ReleaseReferenceAsync(record.Info.ContentHash, ArtifactOwners.Dataset(Name, version));
            await CommitAsync(_committed! with { Versions = Versions.SetItem(version - 1, record with { Released = true }) });
        }
        catch (Exception ex)
        {
            // The next activation releases it.
            LogReleaseFailed(logger, ex, Name, version);
        }
    }

    private async Task ReleaseDeletedAsync()
    {
        foreach (var record in Versions.Where(v => v.Info.IsDeleted && !v.Released).ToList())
        {
            await ReleaseAsync(record.Info.Version);
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

    private async Task DiscardStagedAsync(Guid uploadId)
    {
        try
        {
            await artifacts.DeleteStagedAsync(uploadId);
        }
        catch (Exception ex)
        {
            // The sweep removes staged uploads nobody touches.
            LogDiscardFailed(logger, ex, uploadId);
        }
    }

    private async Task CommitAsync(DatasetState next)
    {
        next = next with { Revision = (_committed?.Revision ?? 0) + 1 };
        await state.CommitAsync(next, this, logger, $"dataset '{Name}'");
        _committed = next;
    }

    /// <summary>
    /// Sets the dataset's listing in the catalog index: after every write, and on every activation, so a crash in
    /// between leaves the listing stale only until the dataset is next activated.
    /// </summary>
    private async Task PublishAsync()
    {
        try
        {
            // The listing keeps each column's statistics, not its top values or histogram: those are read with the version,
            // and a listing of wide datasets would otherwise grow with every bin of every column.
            var live = Versions.Where(v => !v.Info.IsDeleted).ToList();
            var summary = live.Count == 0
                ? null
                : new DatasetSummary(Name, live.Count, live[^1].Info with { Columns = [.. live[^1].Info.Columns.Select(c => c with { TopValues = [], Histogram = null })] });
            await GrainFactory.CatalogShard(Name).SetDatasetAsync(Name, _committed?.Revision ?? 0, summary);
        }
        catch (Exception ex)
        {
            LogListingFailed(logger, ex, Name);
        }
    }

    private ImmutableArray<DatasetVersionRecord> RequireVersions() => Versions.IsEmpty
        ? throw new DatasetNotFoundException($"Dataset '{Name}' does not exist. Upload a CSV under that name to create it.")
        : Versions;

    private DatasetVersionRecord Find(int version)
    {
        VersionNumbers.Validate(version, "version");
        var versions = RequireVersions();
        return version <= versions.Length
            ? versions[version - 1]
            : throw new DatasetNotFoundException($"Dataset '{Name}' has no version {version}; it has versions 1 to {versions.Length}.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list dataset {Dataset} in the catalog; its next activation tries again")]
    private static partial void LogListingFailed(ILogger logger, Exception exception, string dataset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the CSV of deleted version {Version} of dataset {Dataset}; its next activation tries again")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string dataset, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not confirm the artifact reference of {Owner}; the sweep checks it")]
    private static partial void LogConfirmFailed(ILogger logger, Exception exception, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete staged upload {Upload}; the sweep removes it")]
    private static partial void LogDiscardFailed(ILogger logger, Exception exception, Guid upload);
}
