namespace OrleansMl;

/// <summary>A dataset, model or alias name is empty, too long, or contains characters other than ASCII letters, digits, '.', '_' and '-'.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidNameException")]
public sealed class InvalidNameException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidNameException(string message) : base(message) { }
}
