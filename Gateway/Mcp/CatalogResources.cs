using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Datasets, models and model versions as MCP resources (JSON). Every dataset and model is also listed by
/// <see cref="ListAsync"/>, so a client can browse them without a tool call.
/// </summary>
[McpServerResourceType]
public sealed class CatalogResources(IGrainFactory grains)
{
    private const string Json = "application/json";

    [McpServerResource(UriTemplate = "dataset://{name}", Name = "dataset", Title = "Dataset", MimeType = Json)]
    [Description("A dataset's latest version: schema, column statistics and sample rows, and the numbers of all its versions.")]
    public async Task<TextResourceContents> Dataset([Description("Dataset name.")] string name) =>
        Contents($"dataset://{name}", await Read(() => CatalogQueries.DescribeDatasetAsync(grains, name, null, 5)));

    [McpServerResource(UriTemplate = "model://{name}", Name = "model", Title = "Model", MimeType = Json)]
    [Description("A model: its versions with status and metrics, its aliases and the history of promotions and rollbacks.")]
    public async Task<TextResourceContents> Model([Description("Model name.")] string name) =>
        Contents($"model://{name}", await Read(() => grains.GetGrain<IModelGrain>(Names.Validate(name, "model")).GetAsync()));

    [McpServerResource(UriTemplate = "model://{name}/versions/{version}", Name = "model_version", Title = "Model card", MimeType = Json)]
    [Description("The model card of one version: training spec and lineage (dataset, dataset version and content hash), "
        + "algorithm, held-out metrics, timings, input schema and status.")]
    public async Task<TextResourceContents> ModelVersion([Description("Model name.")] string name, [Description("Version number.")] string version)
    {
        int number;
        try
        {
            number = VersionNumbers.Parse(version, "version");
        }
        catch (InvalidVersionNumberException ex)
        {
            throw new McpProtocolException($"{ex.Message} Use model://{name}/versions/1, 2, ...", McpErrorCode.InvalidParams);
        }

        var info = await Read(() => grains.GetGrain<IModelGrain>(Names.Validate(name, "model")).GetVersionAsync(number));
        return Contents($"model://{name}/versions/{number}", info);
    }

    /// <summary>
    /// Lists datasets, then models, as concrete resources (the templates above read them), a page of at most
    /// <see cref="CatalogIndex.DefaultPageSize"/> at a time from the catalog index; <c>nextCursor</c> continues.
    /// </summary>
    internal static async ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> context, CancellationToken cancellationToken)
    {
        var grains = context.Services!.GetRequiredService<IGrainFactory>();
        var cursor = context.Params?.Cursor;
        try
        {
            if (cursor is null || !cursor.StartsWith("m.", StringComparison.Ordinal))
            {
                var datasets = await CatalogIndex.ListDatasetsAsync(grains, cursor: cursor is null ? null : cursor[2..]);
                var resources = datasets.Items.Select(d => DatasetResource(d.Name)).ToList();
                if (datasets.NextCursor is not null)
                {
                    return new ListResourcesResult { Resources = resources, NextCursor = "d." + datasets.NextCursor };
                }

                // The models begin on the same page when room is left.
                var first = await CatalogIndex.ListModelsAsync(grains, Math.Max(1, CatalogIndex.DefaultPageSize - resources.Count));
                resources.AddRange(first.Items.Select(m => ModelResource(m.Name)));
                return new ListResourcesResult { Resources = resources, NextCursor = first.NextCursor is null ? null : "m." + first.NextCursor };
            }

            var models = await CatalogIndex.ListModelsAsync(grains, cursor: cursor[2..]);
            return new ListResourcesResult
            {
                Resources = [.. models.Items.Select(m => ModelResource(m.Name))],
                NextCursor = models.NextCursor is null ? null : "m." + models.NextCursor,
            };
        }
        catch (InvalidListRequestException ex)
        {
            throw new McpProtocolException(ex.Message, McpErrorCode.InvalidParams);
        }
    }

    private static Resource DatasetResource(string n) =>
        new() { Uri = $"dataset://{n}", Name = n, Title = $"Dataset {n}", MimeType = Json, Description = $"Schema, statistics and sample rows of dataset '{n}'." };

    private static Resource ModelResource(string n) =>
        new() { Uri = $"model://{n}", Name = n, Title = $"Model {n}", MimeType = Json, Description = $"Versions, metrics, aliases and history of model '{n}'." };

    private static TextResourceContents Contents<T>(string uri, T value) => new()
    {
        Uri = uri,
        MimeType = Json,
        Text = McpJson.Serialize(value),
    };

    /// <summary>A missing dataset, model or version is "resource not found"; a malformed name is "invalid params".</summary>
    private static async Task<T> Read<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (InvalidNameException ex)
        {
            throw new McpProtocolException(ex.Message, McpErrorCode.InvalidParams);
        }
        catch (OrleansMlException ex)
        {
            throw new McpProtocolException(ex.Message, McpErrorCode.ResourceNotFound);
        }
    }
}
