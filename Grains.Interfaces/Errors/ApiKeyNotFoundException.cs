namespace OrleansMl;

/// <summary>No API key has the given id.</summary>
[GenerateSerializer, Alias("OrleansMl.ApiKeyNotFoundException")]
public sealed class ApiKeyNotFoundException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public ApiKeyNotFoundException(string message) : base(message) { }
}
