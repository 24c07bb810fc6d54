using System.Collections.Concurrent;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// What the gateway keeps per model name for the prediction routes: the predictor grain's reference (Orleans resolves a
/// grain interface by reflection on every <c>GetGrain</c>), and the column names of the model's last request, which the
/// next request's rows usually repeat (so they are neither allocated again nor matched again on the silo). Holds at
/// most <see cref="Capacity"/> names; when full it starts over, so names a caller invents cost nothing lasting.
/// </summary>
public sealed class Predictors(IGrainFactory grains)
{
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The entry of a model (its name already validated).</summary>
    public Entry Get(string model)
    {
        if (_entries.TryGetValue(model, out var entry))
        {
            return entry;
        }

        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        return _entries.GetOrAdd(model, static (name, grains) => new Entry(grains.GetGrain<IPredictorGrain>(name)), grains);
    }

    /// <summary>One model's predictor reference and the columns of its last request.</summary>
    public sealed class Entry(IPredictorGrain grain)
    {
        public IPredictorGrain Grain { get; } = grain;

        /// <summary>The column names of the last request, reused when the next one names the same columns.</summary>
        public ColumnNames? LastColumns { get; set; }

        /// <summary>How many cells the last request held: the next one's cells are read into an array of that size.</summary>
        public int LastCells { get; set; }
    }
}
