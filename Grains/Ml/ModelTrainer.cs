namespace OrleansMl.Ml;

/// <summary>Options of the trainer.</summary>
public sealed record TrainerOptions
{
    /// <summary>Threads a learner may use; null lets ML.NET use every core.</summary>
    public int? Threads { get; init; }
}

/// <summary>
/// Trains and evaluates one model on a <see cref="DatasetFrame"/>. CPU-bound and blocking: callers run it off the
/// grain scheduler. Thread-safe (each call uses its own MLContext).
/// </summary>
public sealed class ModelTrainer(TrainerOptions options)
{
    public TrainerOptions Options { get; } = options;

    /// <summary>
    /// Splits with <see cref="TrainingSpec.Seed"/>, fits, evaluates on the held-out rows and saves the model.
    /// Throws <see cref="InvalidTrainingRequestException"/> for user errors (label or feature column missing, a
    /// label with one value, a task that does not fit the label) and <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires, even in the middle of a fit.
    /// </summary>
    public TrainedModel Train(
        DatasetFrame frame,
        TrainingSpec spec,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken) => throw new NotImplementedException();
}
