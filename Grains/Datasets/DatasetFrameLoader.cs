using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Storage;
using OrleansMl.Work;

namespace OrleansMl.Datasets;

/// <summary>Gets the parsed features of a dataset version: from this silo's cache, or by parsing the stored CSV once.</summary>
public sealed class DatasetFrameLoader(FrameCache cache, IArtifactStore artifacts, ParsingWorker parsing, IOptions<OrleansMlOptions> options)
{
    private readonly CsvReadOptions _csv = new();

    public Task<(DatasetFrame Frame, bool Hit)> GetAsync(string dataset, string hash, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(dataset, hash, () => ParseAsync(hash, cancellationToken));

    /// <summary>Parses stored content off the grain scheduler, bounded per silo.</summary>
    public Task<DatasetFrame> ParseAsync(string hash, CancellationToken cancellationToken) =>
        parsing.RunBoundedAsync(() =>
        {
            using var stream = artifacts.OpenReadAsync(hash, cancellationToken).GetAwaiter().GetResult();
            return CsvFrameReader.Read(stream, _csv, cancellationToken);
        }, cancellationToken);

    public void Remember(string hash, DatasetFrame frame) => cache.Add(hash, frame);

    public long MaxUploadBytes => options.Value.MaxUploadBytes;
}
