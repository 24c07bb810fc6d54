using System.Collections.Immutable;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;
using System.Text.Json.Serialization;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// REST routes of the online feature store: <c>/api/features/{set}</c> (definitions, scope <c>train</c> to change),
/// <c>/api/features/{set}/{key}</c> (latest values, scope <c>predict</c> to write) and <c>/api/features/{set}/events</c>
/// (window aggregates, scope <c>predict</c>). Reads need <c>read</c>.
/// </summary>
public static class FeaturesApi
{
    public static IEndpointRouteBuilder MapFeaturesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/features").WithTags("Features").RequireScope(Scopes.Read)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", ListAsync)
            .WithSummary("List feature sets")
            .WithDescription($"Each set's definition (name, key, ttl, values, aggregates, revision), sorted by name. limit: 1 to {CatalogIndex.MaxPageSize} (default {CatalogIndex.DefaultPageSize}); cursor: the nextCursor of the previous page. A key limited to name patterns lists only the sets it may use.");
        group.MapPut("/{set}", DefineAsync)
            .WithSummary("Define or redefine a feature set")
            .WithDescription("key: the column that identifies an entity (enriched predictions join on it). ttl: how long a latest value stays valid. "
                + "values: latest-value features {name, kind: numeric|categorical|boolean, default?}. aggregates: sliding windows over events "
                + "{name, op: count|sum|mean|min|max, column, window}. A redefinition raises the revision; stored values and events are kept "
                + "and read under the new definition. Any invalid field is a 400 naming it, and nothing changes.")
            .WithRequestExample("application/json", """{"key":"customer_id","ttl":"01:00:00","values":[{"name":"segment","kind":"categorical","default":"retail"},{"name":"balance"}],"aggregates":[{"name":"tx_count_1h","op":"count","column":"amount","window":"01:00:00"},{"name":"tx_sum_1h","op":"sum","column":"amount","window":"01:00:00"}]}""")
            .RequireScope(Scopes.Train)
            .AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{set}", GetDefinitionAsync).WithSummary("A feature set's definition").AddEndpointFilter<FailoverFilter>();
        group.MapPut("/{set}/{key}", SetValuesAsync)
            .WithSummary("Set an entity's latest values")
            .WithDescription("values: {name: value}, each a value the set declares, of its kind. All or nothing: an unknown name or a wrong kind is a 400 naming every one, and nothing is stored. Answers the entity as a GET would.")
            .WithRequestExample("application/json", """{"values":{"segment":"premium","balance":1520.75}}""")
            .RequireScope(Scopes.Predict)
            .AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{set}/{key}", GetValuesAsync)
            .WithSummary("An entity's valid values and aggregates")
            .WithDescription("values holds only values younger than the set's ttl, each with its age; older ones are listed in expired and never returned. aggregates are computed over the events inside each window, as of now.")
            .AddEndpointFilter<FailoverFilter>();
        group.MapPost("/{set}/events", AddEventsAsync)
            .WithSummary("Add events to the window aggregates")
            .WithDescription("events: [{key, timestamp, values: {column: number}}]. Sent as one call per key. Late events inside a window count; "
                + "events older than the longest window are reported as outOfWindow, bad ones as invalid, ones past the per-key event limit as overLimit "
                + "(errors lists the first few with their index) — none of these fails the batch. A request may hold at most OrleansMl__MaxFeatureEventsPerRequest events.")
            .WithRequestExample("application/json", """{"events":[{"key":"c-1001","timestamp":"2026-01-01T12:00:00Z","values":{"amount":42.5}},{"key":"c-1002","timestamp":"2026-01-01T12:00:03Z","values":{"amount":7}}]}""")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .RequireScope(Scopes.Predict);
        return app;
    }

    internal static async Task<Ok<FeatureSetList>> ListAsync(IGrainFactory grains, int? limit, string? cursor) =>
        TypedResults.Ok(await ListFeatureSetsAsync(grains, limit, cursor));

    /// <summary>A page of feature sets from the listing grain, filtered to the names the caller may use.</summary>
    /// <exception cref="InvalidListRequestException">The limit is out of range or the cursor is not one this service issued.</exception>
    public static async Task<FeatureSetList> ListFeatureSetsAsync(IGrainFactory grains, int? limit, string? cursor)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var size = CatalogIndex.ReadLimit(limit);
        var after = CatalogIndex.ReadCursor(cursor, "f");

        // One more than asked tells whether anything follows the page.
        var page = await grains.GetGrain<IFeatureCatalogGrain>(IFeatureCatalogGrain.Key).GetPageAsync(after, size + 1);
        var items = page.Take(size).ToImmutableArray();
        return new FeatureSetList(
            [.. items.Where(d => NameVisibility.IsVisible(d.Name))],
            page.Length > size ? CatalogIndex.WriteCursor(items[^1].Name, "f") : null);
    }

    internal static async Task<Ok<FeatureSetDefinition>> DefineAsync(string set, FeatureSetBody body, IGrainFactory grains) =>
        TypedResults.Ok(await DefineFeatureSetAsync(grains, set, body));

    /// <summary>Defines or redefines a feature set (REST <c>PUT /api/features/{set}</c>, MCP <c>define_feature_set</c>).</summary>
    /// <exception cref="InvalidFeatureSetException">A field is invalid; nothing changed.</exception>
    public static async Task<FeatureSetDefinition> DefineFeatureSetAsync(IGrainFactory grains, string set, FeatureSetBody body)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(body);
        Names.Validate(set, "feature set");
        return await grains.GetGrain<IFeatureSetGrain>(set).DefineAsync(body.ToSpec());
    }

    internal static async Task<Ok<FeatureSetDefinition>> GetDefinitionAsync(string set, IGrainFactory grains)
    {
        Names.Validate(set, "feature set");
        return TypedResults.Ok(await grains.GetGrain<IFeatureSetGrain>(set).GetAsync());
    }

    internal static async Task<Ok<FeatureVector>> SetValuesAsync(string set, string key, FeatureValuesBody body, IGrainFactory grains) =>
        TypedResults.Ok(await SetFeatureValuesAsync(grains, set, key, body.Values));

    /// <summary>Sets an entity's latest values, all or nothing (REST <c>PUT /api/features/{set}/{key}</c>, MCP <c>set_feature_values</c>).</summary>
    /// <exception cref="InvalidFeatureValuesException">No values, a bad key, an unknown name or a wrong kind; nothing is stored.</exception>
    public static async Task<FeatureVector> SetFeatureValuesAsync(IGrainFactory grains, string set, string key, IReadOnlyDictionary<string, FeatureValue>? values)
    {
        ArgumentNullException.ThrowIfNull(grains);
        Names.Validate(set, "feature set");
        ValidateKey(key);
        if (values is null || values.Count == 0)
        {
            throw new InvalidFeatureValuesException("values is required: an object of feature name to value, e.g. {\"values\": {\"balance\": 1520.75}}.");
        }

        var definition = await grains.GetGrain<IFeatureSetGrain>(set).GetAsync();
        return await grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, key))
            .SetValuesAsync(definition.Revision, values.ToImmutableDictionary(StringComparer.Ordinal));
    }

    internal static async Task<Ok<FeatureVector>> GetValuesAsync(string set, string key, IGrainFactory grains)
    {
        Names.Validate(set, "feature set");
        ValidateKey(key);
        var definition = await grains.GetGrain<IFeatureSetGrain>(set).GetAsync();
        return TypedResults.Ok(await grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, key)).GetAsync(definition.Revision));
    }

    internal static async Task<Ok<EventBatchResult>> AddEventsAsync(string set, FeatureEventsBody body, IGrainFactory grains, IOptions<OrleansMlOptions> options) =>
        TypedResults.Ok(await AddFeatureEventsAsync(grains, set, body.Events, options.Value.MaxFeatureEventsPerRequest));

    /// <summary>
    /// Adds events to the window aggregates of a set's entities (REST <c>POST /api/features/{set}/events</c>, MCP
    /// <c>add_feature_events</c>): one grain call per key, never per event. Bad, late and over-limit events are counted
    /// and listed, not fatal.
    /// </summary>
    /// <exception cref="InvalidFeatureValuesException">No events, or the set declares no aggregates.</exception>
    /// <exception cref="PayloadTooLargeException">More than <paramref name="limit"/> events.</exception>
    public static async Task<EventBatchResult> AddFeatureEventsAsync(IGrainFactory grains, string set, IReadOnlyList<FeatureEventBody?>? events, int limit)
    {
        ArgumentNullException.ThrowIfNull(grains);
        Names.Validate(set, "feature set");
        if (events is not { Count: > 0 })
        {
            throw new InvalidFeatureValuesException("events is required: a list of {key, timestamp, values}, e.g. {\"events\": [{\"key\": \"c-1001\", \"timestamp\": \"2026-01-01T12:00:00Z\", \"values\": {\"amount\": 42.5}}]}.");
        }

        if (events.Count > limit)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"A request may hold at most {limit} events (got {events.Count}); split it or raise OrleansMl__MaxFeatureEventsPerRequest."));
        }

        var definition = await grains.GetGrain<IFeatureSetGrain>(set).GetAsync();
        if (definition.Aggregates.IsEmpty)
        {
            throw new InvalidFeatureValuesException($"Feature set '{set}' declares no aggregates, so events have nothing to update; add aggregates with PUT /api/features/{set}.");
        }

        // One call per key, never per event: each entity gets its events and their positions in the request.
        var invalid = EventBatchResult.Empty;
        var byKey = new Dictionary<string, (ImmutableArray<FeatureEvent>.Builder Events, ImmutableArray<int>.Builder Indexes)>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e is null || !FeatureKeys.IsValid(e.Key) || e.Timestamp is null)
            {
                // Whether a timestamp was sent is known only here: the entity judges the one it gets by its value, so
                // 0001-01-01T00:00:00Z is an event too old for any window, not a missing timestamp.
                var problem = e is null ? "the event is null"
                    : e.Key is null ? "key is required"
                    : !FeatureKeys.IsValid(e.Key) ? FeatureKeys.Problem(e.Key)
                    : "timestamp is required, e.g. \"2026-01-01T12:00:00Z\"";
                invalid = invalid.Add(new EventBatchResult(0, 0, 1, 0, [new EventError(i, e?.Key, problem)]));
                continue;
            }

            if (!byKey.TryGetValue(e.Key!, out var group))
            {
                group = (ImmutableArray.CreateBuilder<FeatureEvent>(), ImmutableArray.CreateBuilder<int>());
                byKey[e.Key!] = group;
            }

            group.Events.Add(new FeatureEvent(e.Timestamp.Value, e.Values?.ToImmutableDictionary(StringComparer.Ordinal) ?? ImmutableDictionary<string, FeatureValue>.Empty));
            group.Indexes.Add(i);
        }

        var results = await Task.WhenAll(byKey.Select(g => grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, g.Key))
            .AddEventsAsync(definition.Revision, g.Value.Events.ToImmutable(), g.Value.Indexes.ToImmutable())));
        return results.Aggregate(invalid, (total, r) => total.Add(r));
    }

    private static void ValidateKey(string key)
    {
        if (!FeatureKeys.IsValid(key))
        {
            throw new InvalidFeatureValuesException(FeatureKeys.Problem(key));
        }
    }
}

/// <summary>A page of feature sets.</summary>
/// <param name="FeatureSets">The sets' definitions, sorted by name.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; absent on the last page.</param>
public sealed record FeatureSetList(ImmutableArray<FeatureSetDefinition> FeatureSets, string? NextCursor = null);

/// <summary>A feature set definition.</summary>
/// <param name="Key">The column that identifies an entity, e.g. customer_id.</param>
/// <param name="Ttl">How long a latest value stays valid, e.g. "01:00:00".</param>
/// <param name="Values">Latest-value features.</param>
/// <param name="Aggregates">Sliding-window aggregates over events.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FeatureSetBody(string? Key, TimeSpan? Ttl, List<FeatureValueBody?>? Values = null, List<AggregateBody?>? Aggregates = null)
{
    internal FeatureSetSpec ToSpec() => new(
        Key,
        Ttl,
        [.. (Values ?? []).Select(v => v is null ? null! : new FeatureValueSpec(v.Name!, ToColumnKind(v.Kind), v.Default is { IsMissing: false } d ? d : null))],
        [.. (Aggregates ?? []).Select(a => a is null ? null! : new AggregateSpec(a.Name!, a.Op ?? (AggregateOp)(-1), a.Column, a.Window ?? TimeSpan.Zero))]);

    private static ColumnKind ToColumnKind(FeatureKind? kind) => kind switch
    {
        null or FeatureKind.Numeric => ColumnKind.Numeric,
        FeatureKind.Categorical => ColumnKind.Categorical,
        FeatureKind.Boolean => ColumnKind.Boolean,
        _ => (ColumnKind)(-1),
    };
}

/// <summary>
/// What a latest-value feature holds: the column kinds a feature value can have (a dataset's text and ignored columns have
/// no feature counterpart), so a body naming another is refused with exactly these.
/// </summary>
public enum FeatureKind
{
    /// <summary>A finite number within the float32 range.</summary>
    Numeric,

    /// <summary>A string.</summary>
    Categorical,

    /// <summary>True or false.</summary>
    Boolean,
}

/// <summary>A latest-value feature.</summary>
/// <param name="Name">The feature's name.</param>
/// <param name="Kind">numeric (default), categorical or boolean.</param>
/// <param name="Default">The value enriched predictions use when it is missing or expired.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FeatureValueBody(string? Name, FeatureKind? Kind = null, FeatureValue? Default = null);

/// <summary>A sliding-window aggregate.</summary>
/// <param name="Name">The aggregate's name, e.g. tx_count_1h.</param>
/// <param name="Op">count, sum, mean, min or max.</param>
/// <param name="Column">The numeric event value it aggregates (optional for count: then every event counts).</param>
/// <param name="Window">How far back it reaches, e.g. "01:00:00".</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AggregateBody(string? Name, AggregateOp? Op, string? Column = null, TimeSpan? Window = null);

/// <summary>Latest values to set.</summary>
/// <param name="Values">Feature name to value.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FeatureValuesBody(Dictionary<string, FeatureValue>? Values);

/// <summary>Events for the window aggregates.</summary>
/// <param name="Events">The events, any keys, any order.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FeatureEventsBody(List<FeatureEventBody?>? Events);

/// <summary>One event.</summary>
/// <param name="Key">The entity it belongs to.</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Values">Column to number.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FeatureEventBody(string? Key, DateTimeOffset? Timestamp, Dictionary<string, FeatureValue>? Values = null);
