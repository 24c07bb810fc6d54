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
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw new McpProtocolException($"'{version}' is not a version number: use model://{name}/versions/1, 2, ...", McpErrorCode.InvalidParams);
        }

        var info = await Read(() => grains.GetGrain<IModelGrain>(Names.Validate(name, "model")).GetVersionAsync(number));
        return Contents($"model://{name}/versions/{number}", info);
    }

    /// <summary>Lists every dataset and model as a concrete resource (the templates above read them).</summary>
    internal static async ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> context, CancellationToken cancellationToken)
    {
        var catalog = context.Services!.GetRequiredService<IGrainFactory>().GetGrain<ICatalogGrain>(ICatalogGrain.Key);
        var datasets = await catalog.GetDatasetNamesAsync();
        var models = await catalog.GetModelNamesAsync();
        return new ListResourcesResult
        {
            Resources =
            [
                .. datasets.Select(n => new Resource { Uri = $"dataset://{n}", Name = n, Title = $"Dataset {n}", MimeType = Json, Description = $"Schema, statistics and sample rows of dataset '{n}'." }),
                .. models.Select(n => new Resource { Uri = $"model://{n}", Name = n, Title = $"Model {n}", MimeType = Json, Description = $"Versions, metrics, aliases and history of model '{n}'." }),
            ],
        };
    }

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
