namespace OrleansMl;

/// <summary>Drift cannot be measured as asked (a version against itself, or no earlier version to compare with).</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidDriftRequestException")]
public sealed class InvalidDriftRequestException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidDriftRequestException(string message) : base(message) { }
}
