namespace OrleansMl;

/// <summary>A model already has the most aliases allowed, so a new alias name cannot be created; nothing was changed.</summary>
[GenerateSerializer, Alias("OrleansMl.TooManyAliasesException")]
public sealed class TooManyAliasesException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public TooManyAliasesException(string message) : base(message) { }
}
