namespace OrleansMl;

/// <summary>An idempotency key was used before with a different request; nothing was allocated.</summary>
[GenerateSerializer, Alias("OrleansMl.IdempotencyConflictException")]
public sealed class IdempotencyConflictException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public IdempotencyConflictException(string message) : base(message) { }
}
