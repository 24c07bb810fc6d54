namespace OrleansMl;

/// <summary>Feature values, events or keys sent to a feature set do not fit its definition.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidFeatureValuesException")]
public sealed class InvalidFeatureValuesException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidFeatureValuesException(string message) : base(message) { }
}
