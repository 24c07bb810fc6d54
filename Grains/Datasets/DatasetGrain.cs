using System.Collections.Immutable;
using OrleansMl.Audit;
using OrleansMl.Hosting;

namespace OrleansMl.Datasets;

public sealed class DatasetGrain(
    [PersistentState("dataset", StorageNames.Grains)] IPersistentState<DatasetState> state,
    DatasetFrameLoader frames,
    FrameCache cache,
    ILocalSiloDetails silo,
    TimeProvider time) : Grain, IDatasetGrain, IDatasetLocation
{
    private const int SampleRows = 10;

    private string Name => this.GetPrimaryKeyString();

    private ImmutableArray<DatasetVersionRecord> Versions =>
        state.RecordExists && !state.State.Versions.IsDefault ? state.State.Versions : [];

    public async Task<DatasetUploadResult> AddVersionAsync(Guid uploadId, CancellationToken cancellationToken = default)
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
        var info = new DatasetVersionInfo(
            Name, Versions.Length + 1, frame.RowCount, frame.Schema, receipt.ContentHash, receipt.SizeBytes, time.GetUtcNow());
        var sample = Enumerable.Range(0, Math.Min(SampleRows, frame.RowCount)).Select(frame.GetRow).ToImmutableArray();

        // The catalog entry goes first: a crash in between lists a name whose versions are empty, never the reverse.
        await GrainFactory.GetGrain<ICatalogGrain>(ICatalogGrain.Key).AddDatasetAsync(Name);
        await UpdateStateAsync(new DatasetState(Versions.Add(new DatasetVersionRecord(info, sample)), state.RecordExists ? state.State.CreatedAt : info.CreatedAt));
        frames.Remember(receipt.ContentHash, frame);
        await AuditTrail.RecordAsync(GrainFactory, ServiceProvider, AuditActions.DatasetVersionCreated, $"datasets/{Name}",
            to: $"v{info.Version}", detail: $"{info.Rows} rows, {info.Columns.Length} columns, {info.SizeBytes} bytes");
        return new DatasetUploadResult(info, Created: true);
    }

    public Task<DatasetInfo> GetAsync() =>
        Task.FromResult(new DatasetInfo(Name, RequireVersions().Select(v => v.Info).ToImmutableArray(), state.State.CreatedAt));

    public Task<DatasetVersionInfo> GetVersionAsync(int version) => Task.FromResult(Find(version).Info);

    public Task<DatasetPreview> PreviewAsync(int version, int rows = 5, CancellationToken cancellationToken = default)
    {
        var record = Find(version);
        return Task.FromResult(new DatasetPreview(record.Info, record.Sample.Take(Math.Clamp(rows, 0, SampleRows)).ToImmutableArray()));
    }

    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(silo.SiloAddress);

    public Task<DatasetCacheStats> GetCacheStatsAsync() =>
        Task.FromResult(cache.GetStats(Name, Versions.Select(v => v.Info.ContentHash)));

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

    private Task UpdateStateAsync(DatasetState next)
    {
        state.State = next;
        return state.WriteStateAsync();
    }
}
