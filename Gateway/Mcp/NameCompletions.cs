using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Completions of dataset and model names (and a dataset's columns for the prompt's label) for the resource
/// templates and the <c>train_and_deploy</c> prompt.
/// </summary>
internal static class NameCompletions
{
    private const int MaxValues = 100;

    public static async ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> context, CancellationToken cancellationToken)
    {
        var request = context.Params;
        var grains = context.Services!.GetRequiredService<IGrainFactory>();
        var argument = request?.Argument.Name;
        IEnumerable<string> candidates = (request?.Ref, argument) switch
        {
            (ResourceTemplateReference { Uri: "dataset://{name}" }, "name") or (PromptReference { Name: "train_and_deploy" }, "dataset")
                => await CatalogIndex.GetDatasetNamesAsync(grains),
            (ResourceTemplateReference { Uri: not null } r, "name") when r.Uri.StartsWith("model://", StringComparison.Ordinal)
                => await CatalogIndex.GetModelNamesAsync(grains),
            (PromptReference { Name: "train_and_deploy" }, "model") => await CatalogIndex.GetModelNamesAsync(grains),
            (PromptReference { Name: "train_and_deploy" }, "label") => await ColumnsAsync(grains, request?.Context?.Arguments),
            (ResourceTemplateReference { Uri: "model://{name}/versions/{version}" }, "version") => await VersionsAsync(grains, request?.Context?.Arguments),
            _ => [],
        };

        var prefix = request?.Argument.Value ?? string.Empty;
        var matches = candidates.Where(c => c.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();
        return new CompleteResult
        {
            Completion = new Completion { Values = [.. matches.Take(MaxValues)], Total = matches.Count, HasMore = matches.Count > MaxValues },
        };
    }

    private static async Task<IEnumerable<string>> ColumnsAsync(IGrainFactory grains, IDictionary<string, string>? arguments)
    {
        if (arguments?.TryGetValue("dataset", out var dataset) is not true || !Names.IsValid(dataset))
        {
            return [];
        }

        try
        {
            return (await grains.GetGrain<IDatasetGrain>(dataset).GetAsync()).Latest.Columns
                .Where(c => c.Kind != ColumnKind.Ignored).Select(c => c.Name);
        }
        catch (DatasetNotFoundException)
        {
            return [];
        }
    }

    private static async Task<IEnumerable<string>> VersionsAsync(IGrainFactory grains, IDictionary<string, string>? arguments)
    {
        if (arguments?.TryGetValue("name", out var model) is not true || !Names.IsValid(model))
        {
            return [];
        }

        try
        {
            return (await grains.GetGrain<IModelGrain>(model).GetAsync()).Versions
                .Select(v => v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (ModelNotFoundException)
        {
            return [];
        }
    }
}
