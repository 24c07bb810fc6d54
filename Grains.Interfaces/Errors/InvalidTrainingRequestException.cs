namespace OrleansMl;

/// <summary>A training request names a missing column or has a setting out of range.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidTrainingRequestException")]
public sealed class InvalidTrainingRequestException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidTrainingRequestException(string message) : base(message) { }
}
