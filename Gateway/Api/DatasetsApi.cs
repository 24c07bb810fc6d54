using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

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
            .WithDescription("Send the CSV as the request body (Content-Type: text/csv) or as the multipart file field 'file'. The schema and statistics are inferred. Identical content returns the existing version with 200 instead of 201.")
            .Accepts<string>("text/csv", "application/csv", "multipart/form-data")
            .AcceptsOnlyDeclaredContentTypes()
            .RequireScope(Scopes.Train, training: true)
            .WithRequestExample("text/csv", "x1,x2,color,label\n1.5,0.3,red,yes\n-0.7,1.2,blue,no\n0.2,-1.1,green,no\n")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage)
            .WithUploadBodyLimit()
            .DisableAntiforgery();
        group.MapGet("/", ListAsync)
            .WithSummary("List datasets with their latest version, a page at a time")
            .WithDescription($"limit: 1 to {CatalogIndex.MaxPageSize} (default {CatalogIndex.DefaultPageSize}); cursor: the nextCursor of the previous page. Sorted by name. The latest version's columns come without topValues: GET the version for those.")
            .AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}", GetAsync).WithSummary("A dataset and all its versions").AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}/versions/{version:int}", GetVersionAsync).WithSummary("One dataset version: schema, statistics and sample rows").AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}/versions/{version:int}/models", GetTrainedModelsAsync)
            .WithSummary("Lineage: the model versions trained on this dataset version, newest first")
            .WithDescription("Each with its status, algorithm, held-out metrics and the aliases that point at it now. Reads every model's registry once.")
            .AddEndpointFilter<FailoverFilter>();
        group.MapDelete("/{name}/versions/{version:int}", DeleteVersionAsync)
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
            while (uploaded is null && await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal))
                {
                    uploaded = await grains.UploadDatasetAsync(name, section.Body, cancellationToken);
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

    internal static async Task<Ok<DatasetList>> ListAsync(IGrainFactory grains, int? limit, string? cursor) =>
        TypedResults.Ok(await CatalogQueries.ListDatasetsAsync(grains, limit, cursor));

    internal static async Task<Ok<DatasetVersionInfo>> DeleteVersionAsync(string name, int version, IGrainFactory grains)
    {
        Names.Validate(name, "dataset");
        return TypedResults.Ok(await grains.GetGrain<IDatasetGrain>(name).DeleteVersionAsync(version));
    }

    internal static async Task<Ok<DatasetInfo>> GetAsync(string name, IGrainFactory grains)
    {
        Names.Validate(name, "dataset");
        return TypedResults.Ok(await grains.GetGrain<IDatasetGrain>(name).GetAsync());
    }

    internal static async Task<Ok<DatasetVersionDetails>> GetVersionAsync(string name, int version, IGrainFactory grains, int? rows)
    {
        Names.Validate(name, "dataset");
        var preview = await grains.GetGrain<IDatasetGrain>(name).PreviewAsync(version, rows ?? 5);
        return TypedResults.Ok(DatasetVersionDetails.From(preview));
    }

    internal static async Task<Ok<DatasetVersionModels>> GetTrainedModelsAsync(string name, int version, IGrainFactory grains) =>
        TypedResults.Ok(await CatalogQueries.TrainedOnAsync(grains, name, version));
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
