namespace OrleansMl;

/// <summary>How a window aggregate combines the events of its window.</summary>
public enum AggregateOp
{
    /// <summary>How many events in the window carry the column (every event when the aggregate names no column).</summary>
    Count = 0,

    /// <summary>The sum of the column over the window (0 for no events).</summary>
    Sum = 1,

    /// <summary>The mean of the column over the window (none for no events).</summary>
    Mean = 2,

    /// <summary>The smallest value of the column in the window (none for no events).</summary>
    Min = 3,

    /// <summary>The largest value of the column in the window (none for no events).</summary>
    Max = 4,
}
