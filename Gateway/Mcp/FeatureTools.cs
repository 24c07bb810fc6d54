using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// MCP tools of the online feature store: the same calls as the <c>/api/features</c> routes (<see cref="FeaturesApi"/>):
/// define a set, write an entity's latest values, add events to the window aggregates, list sets and read an entity.
/// </summary>
[McpServerToolType]
public sealed class FeatureTools(IGrainFactory grains, IOptions<OrleansMlOptions> options)
{
    [RequiresScope(Scopes.Train)]
    [McpServerTool(Name = "define_feature_set", Title = "Define a feature set", Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(FeatureSetDefinition))]
    [Description("Defines (or redefines) a feature set of the online feature store: the key column that identifies an entity (rows of an "
        + "enriched prediction join on it, e.g. customer_id), the ttl after which a latest value is expired and never served, latest-value "
        + "features, and sliding-window aggregates over events. A redefinition raises the revision and keeps stored values and events. "
        + "Next: set_feature_values and add_feature_events write data; predict with features: [set] joins it into rows.")]
    public async Task<CallToolResult> DefineFeatureSet(
        [Description("Feature set name: 1-64 ASCII letters, digits, '.', '_' or '-'.")] string set,
        [Description("The column that identifies an entity, e.g. \"customer_id\".")] string key,
        [Description("How long a latest value stays valid, hh:mm:ss or d.hh:mm:ss, e.g. \"01:00:00\".")] string ttl,
        [Description("Latest-value features: [{name, kind: numeric (default)|categorical|boolean, default?}], e.g. [{\"name\": \"segment\", "
            + "\"kind\": \"categorical\", \"default\": \"retail\"}]. A default stands in when the value is missing or expired.")] List<FeatureValueBody?>? values = null,
        [Description("Window aggregates over events: [{name, op: count|sum|mean|min|max, column, window}], e.g. [{\"name\": \"tx_count_1h\", "
            + "\"op\": \"count\", \"column\": \"amount\", \"window\": \"01:00:00\"}].")] List<AggregateBody?>? aggregates = null)
    {
        set = ToolArguments.Name(set, "feature set");
        NameVisibility.Demand(set);
        var span = ToolArguments.Read(() => TimeSpan.TryParse(ttl, CultureInfo.InvariantCulture, out var t)
            ? t
            : throw new InvalidFeatureSetException($"ttl '{ttl}' is not a time span: write it as hh:mm:ss or d.hh:mm:ss (e.g. \"01:00:00\")."));
        var definition = await FeaturesApi.DefineFeatureSetAsync(grains, set, new FeatureSetBody(key, span, values, aggregates));
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Feature set '{definition.Name}' revision {definition.Revision}: key {definition.Key}, ttl {definition.Ttl:c}, values: {Names(definition.Values.Select(v => v.Name))}, "
            + $"aggregates: {Names(definition.Aggregates.Select(a => a.Name))}.");
        return ToolResults.Structured(definition, text);
    }

    [RequiresScope(Scopes.Predict)]
    [McpServerTool(Name = "set_feature_values", Title = "Set an entity's latest feature values", Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(FeatureVector))]
    [Description("Writes latest values of one entity of a feature set (each ages from now and expires after the set's ttl). All or nothing: "
        + "a name the set does not declare or a value of the wrong kind fails the call naming every one, and nothing is stored. Answers the "
        + "entity as get_features would.")]
    public async Task<CallToolResult> SetFeatureValues(
        [Description("Feature set name, as listed by list_feature_sets.")] string set,
        [Description("The entity's key, e.g. a customer id such as 'c-1001'.")] string key,
        [Description("Feature name to value, e.g. {\"segment\": \"premium\", \"balance\": 1520.75}.")] Dictionary<string, FeatureValue> values)
    {
        set = ToolArguments.Name(set, "feature set");
        NameVisibility.Demand(set);
        var vector = await FeaturesApi.SetFeatureValuesAsync(grains, set, key, values);
        return ToolResults.Structured(vector, string.Create(CultureInfo.InvariantCulture,
            $"Feature set '{set}' key '{key}': {vector.Values.Count} valid value(s) stored and readable until they are older than the ttl."));
    }

    [RequiresScope(Scopes.Predict)]
    [McpServerTool(Name = "add_feature_events", Title = "Add events to a feature set's windows", Destructive = false, Idempotent = false, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(EventBatchResult))]
    [Description("Adds events to the sliding-window aggregates of a feature set's entities, any keys in any order. Late events inside a window "
        + "count; events older than the longest window are counted as outOfWindow, bad ones as invalid, ones past the per-key limit as overLimit, "
        + "with the first few listed in errors by their index. None of these fails the call; acknowledged events are stored.")]
    public async Task<CallToolResult> AddFeatureEvents(
        [Description("Feature set name, as listed by list_feature_sets.")] string set,
        [Description("Events: [{key, timestamp, values: {column: number}}], e.g. [{\"key\": \"c-1001\", \"timestamp\": \"2026-01-01T12:00:00Z\", "
            + "\"values\": {\"amount\": 42.5}}].")] List<FeatureEventBody?> events)
    {
        set = ToolArguments.Name(set, "feature set");
        NameVisibility.Demand(set);
        var result = await FeaturesApi.AddFeatureEventsAsync(grains, set, events, options.Value.MaxFeatureEventsPerRequest);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Feature set '{set}': {result.Accepted} event(s) accepted, {result.OutOfWindow} out of window, {result.Invalid} invalid, {result.OverLimit} over the per-key limit.")
            + (result.Errors.IsEmpty ? string.Empty : " First problems: " + string.Join("; ", result.Errors.Take(5).Select(e => $"#{e.Index}: {e.Reason}")) + ".");
        return ToolResults.Structured(result, text);
    }

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
        + "its window (null when there is no event to take a mean, min or max of, or when the result lies outside the float32 range).")]
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
