namespace OrleansMl;

/// <summary>An alias change is malformed (a reason above the length limit); nothing was changed.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidAliasChangeException")]
public sealed class InvalidAliasChangeException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidAliasChangeException(string message) : base(message) { }
}
