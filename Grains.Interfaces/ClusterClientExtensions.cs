namespace OrleansMl;

/// <summary>Conveniences for internal services calling the cluster directly.</summary>
public static class ClusterClientExtensions
{
    /// <summary>The chunk size used to move uploads into the cluster.</summary>
    public const int UploadChunkBytes = 1 << 20;

    // What an upload's buffer starts at before the body shows it needs more (it grows fourfold up to a chunk).
    private const int FirstBufferBytes = 16 << 10;

    /// <summary>
    /// Streams a CSV into the cluster in chunks and creates a dataset version from it (or returns the existing
    /// version with identical content).
    /// </summary>
    public static async Task<DatasetUploadResult> UploadDatasetAsync(
        this IGrainFactory grains, string dataset, Stream csv, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(csv);
        Names.Validate(dataset, "dataset");
        var upload = await StageAsync(grains, csv, cancellationToken);
        try
        {
            return await grains.GetGrain<IDatasetGrain>(dataset).AddVersionAsync(upload.GetPrimaryKey(), cancellationToken);
        }
        catch
        {
            await upload.AbortAsync();
            throw;
        }
    }

    /// <summary>
    /// Streams rows (CSV with the dataset's header, or JSON <c>{"rows": [...]}</c>) into the cluster in chunks and creates a
    /// version holding the newest live version's rows followed by them.
    /// </summary>
    public static async Task<DatasetUploadResult> AppendRowsAsync(
        this IGrainFactory grains, string dataset, Stream rows, RowsFormat format, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(rows);
        Names.Validate(dataset, "dataset");
        var upload = await StageAsync(grains, rows, cancellationToken);
        try
        {
            return await grains.GetGrain<IDatasetGrain>(dataset).AppendRowsAsync(upload.GetPrimaryKey(), format, idempotencyKey, cancellationToken);
        }
        catch
        {
            await upload.AbortAsync();
            throw;
        }
    }

    /// <summary>Appends rows given as text (CSV or JSON).</summary>
    public static Task<DatasetUploadResult> AppendRowsAsync(
        this IGrainFactory grains, string dataset, string rows, RowsFormat format, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return grains.AppendRowsAsync(dataset, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(rows)), format, idempotencyKey, cancellationToken);
    }

    private static async Task<IUploadGrain> StageAsync(IGrainFactory grains, Stream content, CancellationToken cancellationToken)
    {
        var upload = grains.GetGrain<IUploadGrain>(Guid.NewGuid());
        try
        {
            // The buffer grows with what has arrived, up to a chunk: a client that sends slowly holds the bytes it sent,
            // not a chunk's worth per connection.
            var buffer = new byte[FirstBufferBytes];
            while (true)
            {
                var filled = await FillAsync(content, buffer, cancellationToken);
                while (filled == buffer.Length && buffer.Length < UploadChunkBytes)
                {
                    Array.Resize(ref buffer, Math.Min(UploadChunkBytes, buffer.Length * 4));
                    filled += await FillAsync(content, buffer.AsMemory(filled), cancellationToken);
                }

                if (filled == 0)
                {
                    break;
                }

                await upload.AppendAsync(buffer.AsSpan(0, filled).ToArray(), cancellationToken);
                if (filled < buffer.Length)
                {
                    break;
                }
            }

            return upload;
        }
        catch
        {
            await upload.AbortAsync();
            throw;
        }
    }

    /// <summary>Creates a dataset version from CSV text.</summary>
    public static Task<DatasetUploadResult> UploadDatasetAsync(
        this IGrainFactory grains, string dataset, string csv, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        return grains.UploadDatasetAsync(dataset, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), cancellationToken);
    }

    /// <summary>The version grain of <paramref name="model"/> version <paramref name="version"/>.</summary>
    public static IModelVersionGrain GetModelVersion(this IGrainFactory grains, string model, int version)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IModelVersionGrain>(ModelVersionKey.Format(model, version));
    }

    private static async Task<int> FillAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[filled..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
