namespace OrleansMl;

/// <summary>A listing's <c>limit</c> is out of range or its <c>cursor</c> is not one this service issued.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidListRequestException")]
public sealed class InvalidListRequestException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidListRequestException(string message) : base(message) { }
}
