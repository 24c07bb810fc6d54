using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Api;

/// <summary>REST routes for datasets: <c>/api/datasets</c>.</summary>
public static class DatasetsApi
{
    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/datasets").WithTags("Datasets").RequireScope(Scopes.Read)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{name}", UploadAsync)
            .WithSummary("Upload a CSV as a new dataset version")
            .WithDescription("Send the CSV (UTF-8, quoted values as RFC 4180 writes them) as the request body (Content-Type: text/csv) or as the multipart form's one field named 'file'. The schema and statistics are inferred. Identical content returns the existing version with 200 instead of 201.")
            .Accepts<string>("text/csv", "application/csv", "multipart/form-data")
            .AcceptsOnlyDeclaredContentTypes()
            .RequireScope(Scopes.Train, training: true)
            .WithRequestExample("text/csv", "x1,x2,color,label\n1.5,0.3,red,yes\n-0.7,1.2,blue,no\n0.2,-1.1,green,no\n")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage)
            .WithUploadBodyLimit()
            .AddEndpointFilter<UploadSlotFilter>()
            .DisableAntiforgery();
        group.MapPost("/{name}/rows", AppendRowsAsync)
            .WithSummary("Append rows: a new dataset version = the newest live version + these rows")
            .WithDescription("Send CSV whose header names the version's columns (any order; text/csv), or JSON {\"rows\": [{\"column\": value, ...}]} (application/json; null is a missing value). The rows are checked against the newest live version's columns (an unknown or missing column, or a value that does not fit a numeric or boolean column, is a 400 naming it, and nothing is created), appended to its parsed rows in memory without parsing the old rows again, and stored with them as a new immutable version whose statistics and histograms are those of all its rows. Idempotency-Key: the same key with the same rows returns the version it made (200); with other rows, 409.")
            .Accepts<string>("text/csv", "application/csv", "application/json")
            .AcceptsOnlyDeclaredContentTypes()
            .RequireScope(Scopes.Train, training: true)
            .WithRequestExample("text/csv", "x1,x2,color,label\n0.4,-0.2,red,yes\n")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage)
            .WithUploadBodyLimit()
            .AddEndpointFilter<UploadSlotFilter>()
            .DisableAntiforgery();
        group.MapGet("/", ListAsync)
            .WithSummary("List datasets with their latest version, a page at a time")
            .WithDescription($"limit: 1 to {CatalogIndex.MaxPageSize} (default {CatalogIndex.DefaultPageSize}); cursor: the nextCursor of the previous page. Sorted by name. The latest version's columns come with topValues empty and without histograms: GET the version for those.")
            .AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}", GetAsync).WithSummary("A dataset and all its versions").AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}/versions/{version}", GetVersionAsync).WithSummary("One dataset version: schema, statistics and sample rows").AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}/versions/{version}/models", GetTrainedModelsAsync)
            .WithSummary("Lineage: the model versions trained on this dataset version, newest first")
            .WithDescription($"Each with its status, algorithm, held-out metrics and the aliases that point at it now; total: how many there are in all. limit: 1 to {CatalogIndex.MaxPageSize}, the newest that many only (omitted: all). Reads every model's registry once.")
            .AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}/versions/{version}/drift", GetDriftAsync)
            .WithSummary("Drift of a dataset version from another version (PSI per column)")
            .WithDescription("Counts the version's rows in the bins of the reference version's stored histograms (deciles of numeric columns, top categories of categorical ones, missing cells apart) and gives each column's population stability index with both sides' shares per bin. against: the reference version; omitted, the newest live version older than this one. Columns only one side has are reported as added or removed; text and ignored columns as unmeasured. Under 0.1 is usually read as stable, over 0.2 as a shift worth acting on.")
            .AddEndpointFilter<FailoverFilter>();
        group.MapDelete("/{name}/versions/{version}", DeleteVersionAsync)
            .WithSummary("Delete a dataset version's rows")
            .WithDescription("The version stays listed as lineage (schema, content hash, deletedAt) but its rows and samples are gone and it can no longer be trained on; its CSV is removed from the artifact store once nothing else references the same content. 409 while a model version that is not deleted was trained on it.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Train)
            .AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<Results<Created<DatasetVersionInfo>, Ok<DatasetVersionInfo>>> UploadAsync(
        string name, HttpRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        Names.Validate(name, "dataset");
        DatasetUploadResult result;
        if (request.HasFormContentType)
        {
            // Streamed section by section: the file goes to the cluster as it arrives, never to a temporary file here.
            var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
            {
                throw new InvalidDatasetException("The multipart body has no boundary in its Content-Type; send multipart/form-data with the CSV as the field 'file'.");
            }

            var reader = new MultipartReader(boundary, request.Body);
            DatasetUploadResult? uploaded = null;
            while (uploaded is null && await ReadFormAsync(() => reader.ReadNextSectionAsync(cancellationToken), boundary) is { } section)
            {
                if (IsFileField(section))
                {
                    uploaded = await grains.UploadDatasetAsync(name, new OnlyFileStream(section.Body, reader, boundary), cancellationToken);
                }
            }

            result = uploaded ?? throw new InvalidDatasetException("The multipart form has no file field named 'file'; attach the CSV as 'file'.");
        }
        else
        {
            result = await grains.UploadDatasetAsync(name, request.Body, cancellationToken);
        }

        return result.Created
            ? TypedResults.Created($"/api/datasets/{name}/versions/{result.Version.Version}", result.Version)
            : TypedResults.Ok(result.Version);
    }

    /// <summary>
    /// One read of the multipart body. A body that ends before its closing boundary (cut off, or framed by another
    /// boundary than its Content-Type names) or whose framing breaks the reader's limits is the caller's malformed
    /// request: a 400 naming it, and the upload is abandoned before it becomes a version.
    /// </summary>
    private static async Task<T> ReadFormAsync<T>(Func<Task<T>> read, string boundary)
    {
        try
        {
            return await read();
        }
        catch (IOException ex) when (ex is not Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            throw new InvalidDatasetException(
                $"The multipart body ends before its closing boundary line '--{NameList.Cut(boundary)}--' (cut off, or framed by another boundary than its Content-Type names); nothing was stored. "
                + "Send the whole form with the CSV as the field 'file', or send the CSV itself as text/csv.");
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDatasetException(
                $"The multipart body is malformed: {ex.Message.TrimEnd('.')}; nothing was stored. Send the CSV as the form's one field 'file', or send it as text/csv.");
        }
    }

    private static bool IsFileField(MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
        && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal);

    /// <summary>
    /// The body of the form's 'file' field. Its end is reached only once the rest of the form has been read: a second
    /// field named 'file' fails that read, so the upload is abandoned before it becomes a version instead of one of the
    /// files being taken without a word.
    /// </summary>
    private sealed class OnlyFileStream(Stream file, MultipartReader form, string boundary) : Stream
    {
        private bool _restOfFormRead;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await ReadFormAsync(() => file.ReadAsync(buffer, cancellationToken).AsTask(), boundary);
            if (read == 0 && buffer.Length > 0 && !_restOfFormRead)
            {
                _restOfFormRead = true;
                var files = 1;
                while (await ReadFormAsync(() => form.ReadNextSectionAsync(cancellationToken), boundary) is { } section)
                {
                    files += IsFileField(section) ? 1 : 0;
                }

                if (files > 1)
                {
                    throw new InvalidDatasetException(
                        $"The multipart form has {files} fields named 'file'; an upload takes one CSV. Upload each file on its own, or join them into one CSV.");
                }
            }

            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // Request bodies are read asynchronously only.
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    internal static async Task<Results<Created<DatasetVersionInfo>, Ok<DatasetVersionInfo>>> AppendRowsAsync(
        string name, HttpRequest request, IGrainFactory grains, IOptions<OrleansMlOptions> options,
        [FromHeader(Name = ModelsApi.IdempotencyKeyHeader)] string? idempotencyKey, CancellationToken cancellationToken)
    {
        Names.Validate(name, "dataset");
        if (IdempotencyKeys.HeaderProblem(request.Headers[ModelsApi.IdempotencyKeyHeader]) is { } problem)
        {
            throw new InvalidDatasetException(problem);
        }

        var format = request.HasJsonContentType() ? RowsFormat.Json : RowsFormat.Csv;
        var limit = options.Value.MaxJsonBodyBytes;
        if (format == RowsFormat.Json && request.ContentLength > limit)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"The JSON rows are {request.ContentLength} bytes; at most {options.Value.MaxJsonBodyKilobytes} KB are read as JSON (OrleansMl__MaxJsonBodyKilobytes). Send fewer rows per request, or send them as CSV (text/csv)."));
        }

        var result = await grains.AppendRowsAsync(name, request.Body, format, idempotencyKey, cancellationToken);
        return result.Created
            ? TypedResults.Created($"/api/datasets/{name}/versions/{result.Version.Version}", result.Version)
            : TypedResults.Ok(result.Version);
    }

    internal static async Task<Ok<DatasetList>> ListAsync(IGrainFactory grains, int? limit, string? cursor) =>
        TypedResults.Ok(await CatalogQueries.ListDatasetsAsync(grains, limit, cursor));

    internal static async Task<Ok<DatasetVersionInfo>> DeleteVersionAsync(string name, int version, IGrainFactory grains)
    {
        Names.Validate(name, "dataset");
        VersionNumbers.Validate(version, "version");
        return TypedResults.Ok(await grains.GetGrain<IDatasetGrain>(name).DeleteVersionAsync(version));
    }

    internal static async Task<Ok<DatasetInfo>> GetAsync(string name, IGrainFactory grains)
    {
        Names.Validate(name, "dataset");
        return TypedResults.Ok(await grains.GetGrain<IDatasetGrain>(name).GetAsync());
    }

    internal static async Task<Ok<DatasetDrift>> GetDriftAsync(string name, int version, int? against, IGrainFactory grains)
    {
        Names.Validate(name, "dataset");
        VersionNumbers.Validate(version, "version");
        VersionNumbers.Validate(against, "against");
        return TypedResults.Ok(await grains.GetGrain<IDatasetGrain>(name).GetDriftAsync(version, against ?? DatasetDrift.PreviousVersion));
    }

    internal static async Task<Ok<DatasetVersionDetails>> GetVersionAsync(string name, int version, IGrainFactory grains, int? rows)
    {
        Names.Validate(name, "dataset");
        VersionNumbers.Validate(version, "version");
        var preview = await grains.GetGrain<IDatasetGrain>(name).PreviewAsync(version, rows ?? 5);
        return TypedResults.Ok(DatasetVersionDetails.From(preview));
    }

    internal static async Task<Ok<DatasetVersionModels>> GetTrainedModelsAsync(string name, int version, int? limit, IGrainFactory grains) =>
        TypedResults.Ok(await CatalogQueries.TrainedOnAsync(grains, name, version, limit));
}

/// <summary>A page of datasets with their latest version.</summary>
/// <param name="Datasets">Sorted by name.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; absent on the last page.</param>
public sealed record DatasetList(ImmutableArray<DatasetSummary> Datasets, string? NextCursor = null);

/// <summary>One dataset version with sample rows.</summary>
public sealed record DatasetVersionDetails(
    string Name,
    int Version,
    long Rows,
    ImmutableArray<ColumnInfo> Columns,
    string ContentHash,
    long SizeBytes,
    DateTimeOffset CreatedAt,
    ImmutableArray<ImmutableDictionary<string, string?>> SampleRows,
    string? CreatedBy,
    DateTimeOffset? DeletedAt = null,
    string? DeletedBy = null)
{
    public static DatasetVersionDetails From(DatasetPreview preview)
    {
        ArgumentNullException.ThrowIfNull(preview);
        var v = preview.Version;
        return new(v.Name, v.Version, v.Rows, v.Columns, v.ContentHash, v.SizeBytes, v.CreatedAt, preview.SampleRows, v.CreatedBy, v.DeletedAt, v.DeletedBy);
    }
}
