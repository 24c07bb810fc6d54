namespace OrleansMl;

/// <summary>A model has no alias of that name.</summary>
[GenerateSerializer, Alias("OrleansMl.AliasNotFoundException")]
public sealed class AliasNotFoundException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public AliasNotFoundException(string message) : base(message) { }
}
