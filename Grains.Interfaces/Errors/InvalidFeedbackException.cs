namespace OrleansMl;

/// <summary>A feedback request is malformed: an item lacks its prediction id or its actual value.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidFeedbackException")]
public sealed class InvalidFeedbackException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidFeedbackException(string message) : base(message) { }
}
