using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;

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
            .DisableAntiforgery();
        group.MapGet("/", ListAsync).WithSummary("List datasets with their latest version").AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}", GetAsync).WithSummary("A dataset and all its versions").AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}/versions/{version:int}", GetVersionAsync).WithSummary("One dataset version: schema, statistics and sample rows").AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<Results<Created<DatasetVersionInfo>, Ok<DatasetVersionInfo>>> UploadAsync(
        string name, HttpRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        Names.Validate(name, "dataset");
        DatasetUploadResult result;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            var file = form.Files.GetFile("file")
                ?? throw new InvalidDatasetException("The multipart form has no file field named 'file'; attach the CSV as 'file'.");
            await using var stream = file.OpenReadStream();
            result = await grains.UploadDatasetAsync(name, stream, cancellationToken);
        }
        else
        {
            result = await grains.UploadDatasetAsync(name, request.Body, cancellationToken);
        }

        return result.Created
            ? TypedResults.Created($"/api/datasets/{name}/versions/{result.Version.Version}", result.Version)
            : TypedResults.Ok(result.Version);
    }

    internal static async Task<Ok<DatasetList>> ListAsync(IGrainFactory grains) =>
        TypedResults.Ok(await CatalogQueries.ListDatasetsAsync(grains));

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
}

/// <summary>Datasets with their latest version.</summary>
public sealed record DatasetList(ImmutableArray<DatasetSummary> Datasets);

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
    string? CreatedBy)
{
    public static DatasetVersionDetails From(DatasetPreview preview)
    {
        ArgumentNullException.ThrowIfNull(preview);
        var v = preview.Version;
        return new(v.Name, v.Version, v.Rows, v.Columns, v.ContentHash, v.SizeBytes, v.CreatedAt, preview.SampleRows, v.CreatedBy);
    }
}
