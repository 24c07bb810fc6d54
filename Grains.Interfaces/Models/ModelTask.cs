namespace OrleansMl;

/// <summary>The kind of prediction a model makes.</summary>
public enum ModelTask
{
    /// <summary>Inferred from the label column: two values → binary, few classes or text → multiclass, else regression.</summary>
    Auto = 0,

    /// <summary>Two classes.</summary>
    Binary = 1,

    /// <summary>Three or more classes.</summary>
    Multiclass = 2,

    /// <summary>A real-valued target.</summary>
    Regression = 3,
}
