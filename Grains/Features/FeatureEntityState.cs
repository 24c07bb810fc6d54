using System.Buffers.Binary;
using System.Collections.Immutable;

namespace OrleansMl.Features;

/// <summary>
/// What one entity stores: its latest values, and its in-window events column by column (<see cref="Columns"/> names
/// the aggregated columns in the order of each event's values; NaN marks a column the event did not carry).
/// </summary>
/// <remarks>
/// Stored, the events are packed into <see cref="PackedEvents"/> (per event its ticks, then one double per column,
/// little-endian), which the serializer copies as one block: a state is written whole on every change, and a codec
/// call per event made that write cost grow steeply with the events an entity keeps. States written before held the
/// events in <see cref="Events"/>; <see cref="ToLive"/> reads either form, <see cref="ToStored"/> writes the packed one.
/// </remarks>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureEntityState")]
public sealed record FeatureEntityState(
    [property: Id(0)] ImmutableDictionary<string, StoredFeatureValue> Values,
    [property: Id(1)] ImmutableArray<string> Columns,
    [property: Id(2)] ImmutableArray<StoredEvent> Events)
{
    public static FeatureEntityState Empty { get; } = new(ImmutableDictionary<string, StoredFeatureValue>.Empty, [], []);

    /// <summary>The events as stored; null in memory (then <see cref="Events"/> holds them).</summary>
    [Id(3)]
    public byte[]? PackedEvents { get; init; }

    /// <summary>The state as it is stored: the events packed.</summary>
    public FeatureEntityState ToStored()
    {
        var width = 1 + Columns.Length;
        var bytes = new byte[(Events.IsDefault ? 0 : Events.Length) * width * sizeof(long)];
        var at = 0;
        foreach (var e in Events.IsDefault ? [] : Events)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), e.Ticks);
            at += sizeof(long);
            for (var c = 0; c < Columns.Length; c++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at), c < e.Values.Length ? e.Values[c] : double.NaN);
                at += sizeof(double);
            }
        }

        return this with { Events = [], PackedEvents = bytes };
    }

    /// <summary>The state as the grain works with it: the events unpacked (from either stored form).</summary>
    public FeatureEntityState ToLive()
    {
        var columns = Columns.IsDefault ? [] : Columns;
        if (PackedEvents is not { } bytes)
        {
            return this with { Columns = columns, Events = Events.IsDefault ? [] : Events };
        }

        var width = (1 + columns.Length) * sizeof(long);
        var events = ImmutableArray.CreateBuilder<StoredEvent>(bytes.Length / width);
        for (var at = 0; at + width <= bytes.Length; at += width)
        {
            var values = new double[columns.Length];
            for (var c = 0; c < values.Length; c++)
            {
                values[c] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at + ((1 + c) * sizeof(long))));
            }

            events.Add(new StoredEvent(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at)), ImmutableArray.Create(values)));
        }

        return this with { Columns = columns, Events = events.ToImmutable(), PackedEvents = null };
    }
}

/// <summary>A latest value and when it was written.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.StoredFeatureValue")]
public sealed record StoredFeatureValue(
    [property: Id(0)] FeatureValue Value,
    [property: Id(1)] DateTimeOffset UpdatedAt);

/// <summary>An event: its time in UTC ticks and its values in the order of <see cref="FeatureEntityState.Columns"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.StoredEvent")]
public sealed record StoredEvent(
    [property: Id(0)] long Ticks,
    [property: Id(1)] ImmutableArray<double> Values);
