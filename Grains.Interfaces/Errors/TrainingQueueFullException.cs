namespace OrleansMl;

/// <summary>
/// Too many trainings are queued or running, for the model or for the whole cluster; nothing was allocated. Try again
/// after <see cref="RetryAfterSeconds"/>.
/// </summary>
[GenerateSerializer, Alias("OrleansMl.TrainingQueueFullException")]
public sealed class TrainingQueueFullException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message and the wait to suggest.</summary>
    public TrainingQueueFullException(string message, int retryAfterSeconds) : base(message) => RetryAfterSeconds = retryAfterSeconds;

    /// <summary>How long to wait before trying again, in seconds.</summary>
    [Id(0)]
    public int RetryAfterSeconds { get; init; }
}
