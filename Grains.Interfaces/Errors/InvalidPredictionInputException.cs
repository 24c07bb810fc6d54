namespace OrleansMl;

/// <summary>A prediction row misses a column, has an unknown column or a value of the wrong type.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidPredictionInputException")]
public sealed class InvalidPredictionInputException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidPredictionInputException(string message) : base(message) { }
}
