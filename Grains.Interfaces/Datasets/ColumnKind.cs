namespace OrleansMl;

/// <summary>How a dataset column is understood and featurized.</summary>
public enum ColumnKind
{
    /// <summary>Every non-missing value parses as a number (invariant culture).</summary>
    Numeric = 0,

    /// <summary>Every non-missing value is a boolean word (true/false, yes/no, 0/1, t/f, y/n).</summary>
    Boolean = 1,

    /// <summary>A string column with few distinct values; one-hot encoded.</summary>
    Categorical = 2,

    /// <summary>Free text (mostly unique, long or multi-word values); featurized as n-grams.</summary>
    Text = 3,

    /// <summary>Not used as a feature (identifiers, constant or high-cardinality tokens).</summary>
    Ignored = 4,
}
