namespace OrleansMl;

/// <summary>
/// An alias cannot be removed while something depends on it (a schedule that rolls its versions out against it);
/// nothing was changed.
/// </summary>
[GenerateSerializer, Alias("OrleansMl.AliasInUseException")]
public sealed class AliasInUseException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public AliasInUseException(string message) : base(message) { }
}
