namespace OrleansMl;

/// <summary>A feature set definition is missing a field, has an invalid one, or passes a limit.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidFeatureSetException")]
public sealed class InvalidFeatureSetException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidFeatureSetException(string message) : base(message) { }
}
