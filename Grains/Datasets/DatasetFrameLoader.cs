using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Storage;
using OrleansMl.Work;

namespace OrleansMl.Datasets;

/// <summary>Gets the parsed features of a dataset version: from this silo's cache, or by parsing the stored CSV once.</summary>
public sealed class DatasetFrameLoader(FrameCache cache, IArtifactStore artifacts, ParsingWorker parsing, IOptions<OrleansMlOptions> options)
{
    private readonly CsvReadOptions _csv = CsvReadOptions.From(options.Value);

    /// <summary>The limits uploads are read with (cell and name lengths, statistics kept).</summary>
    public CsvReadOptions Csv => _csv;

    public Task<(DatasetFrame Frame, bool Hit)> GetAsync(string dataset, string hash, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(dataset, hash, () => ParseAsync(hash, cancellationToken));

    /// <summary>Parses stored content off the grain scheduler, bounded per silo.</summary>
    public Task<DatasetFrame> ParseAsync(string hash, CancellationToken cancellationToken) =>
        parsing.RunBoundedAsync(() =>
        {
            using var stream = artifacts.OpenReadAsync(hash, cancellationToken).GetAwaiter().GetResult();
            return CsvFrameReader.Read(stream, _csv, cancellationToken);
        }, cancellationToken);

    /// <summary>Parses a staged upload before it is committed: a rejected one is deleted without ever being stored.</summary>
    public Task<DatasetFrame> ParseStagedAsync(Guid uploadId, CancellationToken cancellationToken) =>
        parsing.RunBoundedAsync(() =>
        {
            using var stream = artifacts.OpenStagedAsync(uploadId, cancellationToken).GetAwaiter().GetResult();
            return CsvFrameReader.Read(stream, _csv, cancellationToken);
        }, cancellationToken);

    /// <summary>Runs CPU work on a frame (drift, appends) off the grain scheduler, bounded like parsing.</summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken) => parsing.RunBoundedAsync(work, cancellationToken);

    public void Remember(string hash, DatasetFrame frame) => cache.Add(hash, frame);

    public long MaxUploadBytes => options.Value.MaxUploadBytes;
}
