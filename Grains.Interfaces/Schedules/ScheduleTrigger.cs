namespace OrleansMl;

/// <summary>When a due schedule trains.</summary>
public enum ScheduleTrigger
{
    /// <summary>Every run trains on the newest dataset version.</summary>
    Always,

    /// <summary>A run trains only when the newest dataset version is not the one the last trained run used.</summary>
    NewData,

    /// <summary>
    /// A run trains only when the largest PSI between the newest dataset version and the version the production version
    /// was trained on reaches the schedule's drift threshold.
    /// </summary>
    Drift,
}
