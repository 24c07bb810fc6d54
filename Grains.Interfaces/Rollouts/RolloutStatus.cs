namespace OrleansMl;

/// <summary>Where a rollout stands.</summary>
public enum RolloutStatus
{
    /// <summary>The candidate gets its share (or its shadow copy) of the alias's traffic; the guard is watched.</summary>
    Running,

    /// <summary>The candidate reached 100% and the alias now points at it.</summary>
    Promoted,

    /// <summary>The guard was breached; all traffic went back to the baseline.</summary>
    RolledBack,

    /// <summary>Stopped by a caller; all traffic went back to the baseline.</summary>
    Aborted,
}
