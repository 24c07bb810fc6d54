namespace OrleansMl.Ml;

/// <summary>Scores one row at a time with no compile-time types. Not thread-safe: one per thread or activation.</summary>
public sealed class ModelPredictor
{
    /// <summary>
    /// Scores a row given as column name to value. Throws <see cref="InvalidPredictionInputException"/> naming the
    /// column when a required column is absent, a column is unknown, or a value has the wrong type (e.g. a string that
    /// is not a number for a numeric column). Explicitly missing values (<see cref="FeatureValue.Missing"/>) are allowed.
    /// </summary>
    public Prediction Predict(IReadOnlyDictionary<string, FeatureValue> row) => throw new NotImplementedException();
}
