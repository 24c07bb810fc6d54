using System.Collections.Immutable;

namespace OrleansMl.Features;

/// <summary>
/// Computes a set's aggregates from an entity's raw events. An event counts for an aggregate while its timestamp is
/// after <c>now - window</c>; exact by construction, since every in-window event is kept. A result outside the float32
/// range is null.
/// </summary>
public static class WindowAggregates
{
    public static ImmutableDictionary<string, double?> Compute(
        FeatureSetDefinition definition, ImmutableArray<string> columns, ImmutableArray<StoredEvent> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var result = ImmutableDictionary.CreateBuilder<string, double?>(StringComparer.Ordinal);
        foreach (var aggregate in definition.Aggregates)
        {
            var from = (now - aggregate.Window).UtcTicks;
            var column = aggregate.Column is null ? -1 : columns.IndexOf(aggregate.Column);
            long count = 0;
            double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (var e in events)
            {
                if (e.Ticks <= from)
                {
                    continue;
                }

                if (aggregate.Column is null)
                {
                    count++;
                    continue;
                }

                if (column < 0 || double.IsNaN(e.Values[column]))
                {
                    continue;
                }

                var value = e.Values[column];
                count++;
                sum += value;
                min = Math.Min(min, value);
                max = Math.Max(max, value);
            }

            // A result a model's float32 feature cannot hold (a sum of huge amounts, or events stored before their values
            // were range-checked) reads as no value, like a mean over an empty window, never as an infinity.
            double? computed = aggregate.Op switch
            {
                AggregateOp.Count => count,
                AggregateOp.Sum => sum,
                AggregateOp.Mean => count == 0 ? null : sum / count,
                AggregateOp.Min => count == 0 ? null : min,
                AggregateOp.Max => count == 0 ? null : max,
                _ => null,
            };
            result[aggregate.Name] = computed is { } number && FeatureKinds.IsFeatureNumber(number) ? number : null;
        }

        return result.ToImmutable();
    }

    /// <summary>The distinct columns the set's aggregates read, in declaration order.</summary>
    public static ImmutableArray<string> Columns(FeatureSetDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return [.. definition.Aggregates.Select(a => a.Column).OfType<string>().Distinct(StringComparer.Ordinal)];
    }
}
