namespace OrleansMl;

/// <summary>An upload or request is larger than the configured limit.</summary>
[GenerateSerializer, Alias("OrleansMl.PayloadTooLargeException")]
public sealed class PayloadTooLargeException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public PayloadTooLargeException(string message) : base(message) { }
}
