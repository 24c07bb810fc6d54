using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Storage;

namespace OrleansMl.Features;

/// <summary>One entity of a feature set; see <see cref="IFeatureEntityGrain"/>.</summary>
public sealed class FeatureEntityGrain(
    [PersistentState("featureentity", StorageNames.FeatureEntities)] IPersistentState<FeatureEntityState> state,
    [FromKeyedServices(FeatureClock.ServiceKey)] TimeProvider time,
    IOptions<OrleansMlOptions> options,
    ILogger<FeatureEntityGrain> logger) : Grain, IFeatureEntityGrain
{
    // What storage holds; reads use it, never state.State.
    private FeatureEntityState _committed = FeatureEntityState.Empty;
    private FeatureSetDefinition? _definition;
    private string _set = string.Empty;
    private string _key = string.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKeyString();
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        (_set, _key) = slash < 0 ? (id, string.Empty) : (id[..slash], id[(slash + 1)..]);
        _committed = state.RecordExists ? state.State.ToLive() : FeatureEntityState.Empty;
        return Task.CompletedTask;
    }

    public async Task<FeatureVector> SetValuesAsync(long revision, ImmutableDictionary<string, FeatureValue> values)
    {
        var definition = await DefinitionAsync(revision);
        if (values is null || values.IsEmpty)
        {
            throw new InvalidFeatureValuesException($"values is empty: send {{\"values\": {{\"name\": value}}}} with names of feature set '{_set}' ({ValueNames(definition)}).");
        }

        var specs = definition.Values.ToDictionary(v => v.Name, StringComparer.Ordinal);
        var unknown = values.Keys.Where(n => !specs.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        var wrong = values.Where(v => specs.TryGetValue(v.Key, out var spec) && !FeatureKinds.Fits(spec.Kind, v.Value))
            .OrderBy(v => v.Key, StringComparer.Ordinal)
            .Select(v => $"'{v.Key}' {FeatureKinds.Misfit(specs[v.Key].Kind, v.Value)}")
            .Concat(values.Where(v => specs.ContainsKey(v.Key)).OrderBy(v => v.Key, StringComparer.Ordinal)
                .Select(v => FeatureKinds.TooLong($"'{v.Key}'", v.Value, options.Value.MaxCellCharacters)).OfType<string>())
            .ToList();
        if (unknown.Count > 0 || wrong.Count > 0)
        {
            var problems = new List<string>();
            if (unknown.Count > 0)
            {
                problems.Add($"unknown {(unknown.Count == 1 ? "name" : "names")} {NameList.Quoted(unknown)} (the values of feature set '{_set}' are {ValueNames(definition)})");
            }

            problems.AddRange(wrong);
            throw new InvalidFeatureValuesException($"The values were not stored, nothing was changed: {string.Join("; ", problems)}.");
        }

        var now = time.GetUtcNow();
        var kept = _committed.Values.Where(v => specs.ContainsKey(v.Key)).ToImmutableDictionary(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            kept = kept.SetItem(name, new StoredFeatureValue(value, now));
        }

        await CommitAsync(_committed with { Values = kept });
        return Read(definition, now);
    }

    public async Task<EventBatchResult> AddEventsAsync(long revision, ImmutableArray<FeatureEvent> events, ImmutableArray<int> indexes)
    {
        var definition = await DefinitionAsync(revision);
        var now = time.GetUtcNow();
        var columns = WindowAggregates.Columns(definition);
        var current = Prune(Remap(_committed, columns), definition, now);
        var kept = current.Events.ToBuilder();
        var limit = options.Value.MaxFeatureEventsPerKey;
        var oldest = (now - definition.LongestWindow).UtcTicks;
        var newest = (now + FeatureClock.MaxFutureSkew).UtcTicks;
        int accepted = 0, outOfWindow = 0, invalid = 0, overLimit = 0;
        var errors = ImmutableArray.CreateBuilder<EventError>();

        for (var i = 0; i < events.Length; i++)
        {
            var e = events[i];
            var index = indexes.IsDefault || i >= indexes.Length ? i : indexes[i];
            string? problem = null;
            double[]? row = null;
            if (definition.Aggregates.IsEmpty)
            {
                problem = $"feature set '{_set}' declares no aggregates, so events have nothing to update";
            }
            else if (e is null)
            {
                problem = "the event is null";
            }
            else if (e.Timestamp.UtcTicks > newest)
            {
                problem = $"timestamp {e.Timestamp:O} is more than {FeatureClock.MaxFutureSkew.TotalMinutes:0} minutes in the future";
            }
            else
            {
                (row, problem) = Row(e, columns);
            }

            if (problem is not null)
            {
                invalid++;
                Note(errors, index, problem);
            }
            else if (e!.Timestamp.UtcTicks <= oldest)
            {
                outOfWindow++;
                Note(errors, index, $"out of window: {e.Timestamp:O} is older than the longest window ({definition.LongestWindow}) before now ({now:O})");
            }
            else if (kept.Count >= limit)
            {
                overLimit++;
                Note(errors, index, string.Create(CultureInfo.InvariantCulture,
                    $"over limit: key '{_key}' already keeps {limit} in-window events (OrleansMl__MaxFeatureEventsPerKey)"));
            }
            else
            {
                accepted++;
                kept.Add(new StoredEvent(e.Timestamp.UtcTicks, ImmutableArray.Create(row!)));
            }
        }

        if (accepted > 0)
        {
            await CommitAsync(current with { Events = kept.ToImmutable() });
        }

        return new EventBatchResult(accepted, outOfWindow, invalid, overLimit, errors.ToImmutable());

        void Note(ImmutableArray<EventError>.Builder list, int index, string reason)
        {
            if (list.Count < EventBatchResult.MaxErrors)
            {
                list.Add(new EventError(index, _key, reason));
            }
        }
    }

    public async Task<FeatureVector> GetAsync(long revision) => Read(await DefinitionAsync(revision), time.GetUtcNow());

    private FeatureVector Read(FeatureSetDefinition definition, DateTimeOffset now)
    {
        var values = ImmutableDictionary.CreateBuilder<string, FeatureReading>(StringComparer.Ordinal);
        var expired = ImmutableArray.CreateBuilder<string>();
        foreach (var spec in definition.Values)
        {
            if (!_committed.Values.TryGetValue(spec.Name, out var stored) || !FeatureKinds.Fits(spec.Kind, stored.Value))
            {
                continue;
            }

            var age = now - stored.UpdatedAt;
            if (age < definition.Ttl)
            {
                values[spec.Name] = new FeatureReading(stored.Value, stored.UpdatedAt, age < TimeSpan.Zero ? TimeSpan.Zero : age);
            }
            else
            {
                expired.Add(spec.Name);
            }
        }

        var columns = WindowAggregates.Columns(definition);
        var events = Remap(_committed, columns).Events;
        var oldest = (now - definition.LongestWindow).UtcTicks;
        return new FeatureVector(
            _set,
            _key,
            values.ToImmutable(),
            expired.ToImmutable(),
            WindowAggregates.Compute(definition, columns, events, now),
            events.Count(e => e.Ticks > oldest),
            now,
            definition.Revision);
    }

    private async Task<FeatureSetDefinition> DefinitionAsync(long revision)
    {
        if (_definition is null || _definition.Revision != revision)
        {
            _definition = await GrainFactory.GetGrain<IFeatureSetGrain>(_set).GetAsync();
        }

        return _definition;
    }

    private async Task CommitAsync(FeatureEntityState next)
    {
        await state.CommitAsync(next.ToStored(), this, logger, $"feature set '{_set}' key '{_key}'");
        _committed = next;
    }

    private static string ValueNames(FeatureSetDefinition definition) =>
        definition.Values.IsEmpty ? "none" : string.Join(", ", definition.Values.Select(v => v.Name));

    /// <summary>The event's values in column order, or why it cannot be stored.</summary>
    private static (double[]? Row, string? Problem) Row(FeatureEvent e, ImmutableArray<string> columns)
    {
        var row = new double[columns.Length];
        Array.Fill(row, double.NaN);
        if (e.Values is null)
        {
            return (row, null);
        }

        foreach (var (name, value) in e.Values)
        {
            var column = columns.IndexOf(name);
            if (column < 0)
            {
                return (null, $"'{Names.Shown(name)}' is not a column of any aggregate (columns: {(columns.IsEmpty ? "none" : string.Join(", ", columns))})");
            }

            if (!FeatureKinds.Fits(ColumnKind.Numeric, value))
            {
                return (null, value.Kind == FeatureValueKind.Number
                    ? $"'{name}' {FeatureKinds.Misfit(ColumnKind.Numeric, value)}"
                    : $"'{name}' must be a finite number, not {FeatureKinds.Describe(value)}");
            }

            row[column] = value.Number;
        }

        return (row, null);
    }

    /// <summary>The state with its events' values laid out in <paramref name="columns"/> order (after a redefinition).</summary>
    private static FeatureEntityState Remap(FeatureEntityState current, ImmutableArray<string> columns)
    {
        if (current.Columns.SequenceEqual(columns, StringComparer.Ordinal))
        {
            return current;
        }

        var map = columns.Select(c => current.Columns.IndexOf(c)).ToArray();
        var events = current.Events.Select(e => new StoredEvent(e.Ticks,
            [.. map.Select(from => from < 0 ? double.NaN : e.Values[from])])).ToImmutableArray();
        return current with { Columns = columns, Events = events };
    }

    /// <summary>The state without events that no window can count any more.</summary>
    private static FeatureEntityState Prune(FeatureEntityState current, FeatureSetDefinition definition, DateTimeOffset now)
    {
        var oldest = (now - definition.LongestWindow).UtcTicks;
        return current.Events.All(e => e.Ticks > oldest)
            ? current
            : current with { Events = current.Events.Where(e => e.Ticks > oldest).ToImmutableArray() };
    }
}
