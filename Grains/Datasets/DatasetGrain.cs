using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using OrleansMl.Diagnostics;
using OrleansMl.Audit;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Datasets;

public sealed partial class DatasetGrain(
    [PersistentState("dataset", StorageNames.Grains)] IPersistentState<DatasetState> state,
    DatasetFrameLoader frames,
    FrameCache cache,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<DatasetGrain> logger) : Grain, IDatasetGrain, IDatasetLocation
{
    // What storage holds; reads use it, never state.State.
    private DatasetState? _committed;

    private string Name => this.GetPrimaryKeyString();

    private ImmutableArray<DatasetVersionRecord> Versions =>
        _committed is { Versions.IsDefault: false } committed ? committed.Versions : [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State : null;
        if (!Versions.IsEmpty)
        {
            // In the background: the activation does not wait for the catalog (which may itself be failing over).
            _ = EnsureListedAsync();
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
        if (Versions.FirstOrDefault(v => v.Info.ContentHash == receipt.ContentHash) is { } existing)
        {
            return new DatasetUploadResult(existing.Info, Created: false);
        }

        if (receipt.SizeBytes == 0)
        {
            throw new InvalidDatasetException("The upload is empty: send CSV text with a header row and at least one data row.");
        }

        var frame = await frames.ParseAsync(receipt.ContentHash, cancellationToken);
        var versions = Versions;
        var info = new DatasetVersionInfo(
            Name, versions.Length + 1, frame.RowCount, frame.Schema, receipt.ContentHash, receipt.SizeBytes, time.GetUtcNow(), Caller.Name);
        var sample = Enumerable.Range(0, Math.Min(DatasetPreview.MaxSampleRows, frame.RowCount)).Select(frame.GetRow).ToImmutableArray();
        var next = new DatasetState(versions.Add(new DatasetVersionRecord(info, sample)), _committed?.CreatedAt ?? info.CreatedAt);
        await state.CommitAsync(next, this, logger, $"dataset '{Name}'");
        _committed = next;
        frames.Remember(receipt.ContentHash, frame);
        await EnsureListedAsync();
        await AuditTrail.RecordAsync(GrainFactory, logger, AuditActions.DatasetVersionCreated, $"datasets/{Name}",
            to: $"v{info.Version}", detail: $"{info.Rows} rows, {info.Columns.Length} columns, {info.SizeBytes} bytes");
        return new DatasetUploadResult(info, Created: true);
    }

    public Task<DatasetInfo> GetAsync() =>
        Task.FromResult(new DatasetInfo(Name, RequireVersions().Select(v => v.Info).ToImmutableArray(), _committed!.CreatedAt));

    public Task<DatasetVersionInfo> GetVersionAsync(int version) => Task.FromResult(Find(version).Info);

    public Task<DatasetPreview> PreviewAsync(int version, int rows = 5)
    {
        var record = Find(version);
        return Task.FromResult(new DatasetPreview(record.Info, record.Sample.Take(Math.Clamp(rows, 0, DatasetPreview.MaxSampleRows)).ToImmutableArray()));
    }

    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(silo.SiloAddress);

    public Task<DatasetCacheStats> GetCacheStatsAsync() =>
        Task.FromResult(cache.GetStats(Name, Versions.Select(v => v.Info.ContentHash)));

    /// <summary>
    /// Lists the dataset in the catalog. Done after the dataset's write, and again by every activation, so a crash in
    /// between leaves the dataset unlisted only until it is next activated.
    /// </summary>
    private async Task EnsureListedAsync()
    {
        try
        {
            await GrainFactory.GetGrain<ICatalogGrain>(ICatalogGrain.Key).AddDatasetAsync(Name);
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
        var versions = RequireVersions();
        return version >= 1 && version <= versions.Length
            ? versions[version - 1]
            : throw new DatasetNotFoundException($"Dataset '{Name}' has no version {version}; it has versions 1 to {versions.Length}.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list dataset {Dataset} in the catalog; its next activation tries again")]
    private static partial void LogListingFailed(ILogger logger, Exception exception, string dataset);
}
