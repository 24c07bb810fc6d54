namespace OrleansMl;

/// <summary>Whether a column's drift was measured, or why not.</summary>
public enum DriftStatus
{
    /// <summary>The column is in both versions and has a distribution: its PSI is given.</summary>
    Measured = 0,

    /// <summary>The column is only in the measured version.</summary>
    Added = 1,

    /// <summary>The column is only in the reference version.</summary>
    Removed = 2,

    /// <summary>Text and ignored columns keep no distribution, so their drift is not measured.</summary>
    Unmeasured = 3,
}
