namespace OrleansMl;

/// <summary>The caller's key is limited to name patterns, and a name the request uses (e.g. a feature set it joins) is not one of them.</summary>
[GenerateSerializer, Alias("OrleansMl.NameAccessDeniedException")]
public sealed class NameAccessDeniedException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public NameAccessDeniedException(string message) : base(message) { }
}
