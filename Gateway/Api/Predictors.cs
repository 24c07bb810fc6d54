using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Predictions;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// What the gateway keeps per model name for the prediction routes: how its predictions are scored (by the silo this
/// process hosts, on the request's thread, or else through the predictor grain, whose reference Orleans would resolve
/// by reflection on every <c>GetGrain</c>), and the column names of the model's last request, which the next request's
/// rows usually repeat (so they are neither allocated again nor matched again on the silo). Holds at most
/// <see cref="Capacity"/> names; when full it starts over, so names a caller invents cost nothing lasting.
/// </summary>
public sealed class Predictors(IGrainFactory grains, IServiceProvider services, IOptions<OrleansMlOptions> options)
{
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Registered only where this process hosts a silo: a gateway that is an Orleans client has none.
    private readonly LocalPredictors? _local = options.Value.InProcessPredictions ? services.GetService<LocalPredictors>() : null;

    /// <summary>Whether predictions are scored in this process, without a grain call.</summary>
    public bool InProcess => _local is not null;

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

        return _entries.GetOrAdd(
            model, static (name, state) => new Entry(name, state.grains.GetGrain<IPredictorGrain>(name), state._local), (grains, _local));
    }

    /// <summary>One model's predictions and the columns of its last request.</summary>
    public sealed class Entry(string model, IPredictorGrain grain, LocalPredictors? local)
    {
        /// <summary>Scores <paramref name="batch"/> as <see cref="IPredictorGrain.PredictBatchAsync"/> does.</summary>
        public Task<BatchPrediction> PredictBatchAsync(PredictionBatch batch) =>
            local is null ? grain.PredictBatchAsync(batch) : local.PredictBatchAsync(model, batch);

        /// <summary>Scores <paramref name="batch"/> joined with feature sets, as <see cref="IPredictorGrain.PredictEnrichedAsync"/> does.</summary>
        public Task<BatchPrediction> PredictEnrichedAsync(PredictionBatch batch, ImmutableArray<string> features) =>
            local is null ? grain.PredictEnrichedAsync(batch, features) : local.PredictEnrichedAsync(model, batch, features);

        /// <summary>The column names of the last request, reused when the next one names the same columns.</summary>
        public ColumnNames? LastColumns { get; set; }

        /// <summary>How many cells the last request held: the next one's cells are read into an array of that size.</summary>
        public int LastCells { get; set; }
    }
}
