namespace OrleansMl;

/// <summary>An uploaded dataset cannot be used (empty, ragged, malformed).</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidDatasetException")]
public sealed class InvalidDatasetException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidDatasetException(string message) : base(message) { }
}
