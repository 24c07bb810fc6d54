using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl.Predictions;

/// <summary>
/// A per-silo replica that scores rows for one model: each activation holds one <see cref="PredictorReplica"/> and
/// handles one request at a time; Orleans adds replicas under load. A process that hosts the silo (the embedded
/// gateway) scores through <see cref="LocalPredictors"/> instead, with the same replicas' logic and no grain call.
/// </summary>
[StatelessWorker]
public sealed class PredictorGrain(PredictorServices services) : Grain, IPredictorGrain
{
    private PredictorReplica? _replica;

    private PredictorReplica Replica => _replica ??= new PredictorReplica(this.GetPrimaryKeyString(), services);

    public async Task<PredictionResult> PredictAsync(PredictionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var batch = PredictionBatch.FromRows(request.Rows.IsDefault ? [] : request.Rows, request.Version, request.Alias);
        var result = await Replica.PredictBatchAsync(batch);
        cancellationToken.ThrowIfCancellationRequested();
        return result.ToResult();
    }

    public Task<BatchPrediction> PredictBatchAsync(PredictionBatch batch) => Replica.PredictBatchAsync(batch);

    public Task<BatchPrediction> PredictEnrichedAsync(PredictionBatch batch, ImmutableArray<string> features) =>
        Replica.PredictEnrichedAsync(batch, features);
}
