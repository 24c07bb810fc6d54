using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Mcp;

/// <summary>MCP tools of the online feature store: the same reads as <c>GET /api/features</c> and <c>GET /api/features/{set}/{key}</c>.</summary>
[McpServerToolType]
public sealed class FeatureTools(IGrainFactory grains)
{
    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "list_feature_sets", Title = "List feature sets", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(FeatureSetList))]
    [Description("Lists the feature sets of the online feature store, a page at a time sorted by name: each set's key column (the column "
        + "rows join on), ttl (how long a latest value stays valid), values (name, kind, default) and window aggregates (name, op, column, "
        + "window). Pass a set's name in predict's features argument to join its values into the rows by the key column; get_features "
        + "shows one entity.")]
    public async Task<CallToolResult> ListFeatureSets(
        [Description("Most feature sets to return, 1 to 1000. Default 100.")] int? limit = null,
        [Description("The nextCursor of the previous page; omit for the first page.")] string? cursor = null)
    {
        var list = await ToolArguments.ReadAsync(() => FeaturesApi.ListFeatureSetsAsync(grains, limit, cursor));
        var more = list.NextCursor is null ? string.Empty : $" More feature sets follow: call list_feature_sets with cursor '{list.NextCursor}'.";
        var text = list.FeatureSets.IsEmpty
            ? (cursor is null ? "There are no feature sets yet; they are defined with PUT /api/features/{set}." : "No more feature sets.")
            : $"{list.FeatureSets.Length} feature set(s): "
              + string.Join("; ", list.FeatureSets.Select(d => string.Create(CultureInfo.InvariantCulture,
                  $"{d.Name} (key {d.Key}, ttl {d.Ttl}, values: {Names(d.Values.Select(v => v.Name))}, aggregates: {Names(d.Aggregates.Select(a => a.Name))})")))
              + "." + more;
        return ToolResults.Structured(list, text);
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "get_features", Title = "Get an entity's features", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(FeatureVector))]
    [Description("Shows one entity of a feature set as of now: its latest values that are younger than the set's ttl, each with its age; "
        + "the names of values that are older (expired: never returned as present); and every window aggregate over the events inside "
        + "its window (null when there is no event to take a mean, min or max of).")]
    public async Task<CallToolResult> GetFeatures(
        [Description("Feature set name, as listed by list_feature_sets.")] string set,
        [Description("The entity's key, e.g. a customer id such as 'c-1001'.")] string key)
    {
        set = ToolArguments.Name(set, "feature set");
        NameVisibility.Demand(set);
        if (!FeatureKeys.IsValid(key))
        {
            throw new McpProtocolException(FeatureKeys.Problem(key), McpErrorCode.InvalidParams);
        }

        var definition = await grains.GetGrain<IFeatureSetGrain>(set).GetAsync();
        var vector = await grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, key)).GetAsync(definition.Revision);
        var values = vector.Values.IsEmpty
            ? "no valid values"
            : "values " + string.Join(", ", vector.Values.OrderBy(v => v.Key, StringComparer.Ordinal)
                .Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Key}={v.Value.Value} (age {v.Value.Age:c})")));
        var expired = vector.Expired.IsEmpty ? string.Empty : $"; expired (older than the ttl {definition.Ttl}): {string.Join(", ", vector.Expired)}";
        var aggregates = vector.Aggregates.IsEmpty
            ? string.Empty
            : "; aggregates " + string.Join(", ", vector.Aggregates.OrderBy(a => a.Key, StringComparer.Ordinal)
                .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key}={(a.Value is { } n ? n.ToString("G6", CultureInfo.InvariantCulture) : "none")}")));
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Feature set '{set}' {definition.Key} '{key}': {values}{expired}{aggregates} ({vector.Events} in-window events).");
        return ToolResults.Structured(vector, text);
    }

    private static string Names(IEnumerable<string> names) => string.Join(", ", names) is { Length: > 0 } joined ? joined : "none";
}
