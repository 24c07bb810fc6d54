namespace OrleansMl;

/// <summary>Where a training job is in its life.</summary>
public enum TrainingStatus
{
    /// <summary>Accepted and waiting for a training slot.</summary>
    Queued = 0,

    /// <summary>Training on a silo.</summary>
    Running = 1,

    /// <summary>Trained and evaluated; the version can serve predictions.</summary>
    Succeeded = 2,

    /// <summary>Ended with an error (see the version's error text).</summary>
    Failed = 3,

    /// <summary>Stopped on request.</summary>
    Cancelled = 4,
}

/// <summary>Helpers on <see cref="TrainingStatus"/>.</summary>
public static class TrainingStatusExtensions
{
    /// <summary>True for succeeded, failed and cancelled.</summary>
    public static bool IsTerminal(this TrainingStatus status) =>
        status is TrainingStatus.Succeeded or TrainingStatus.Failed or TrainingStatus.Cancelled;
}
