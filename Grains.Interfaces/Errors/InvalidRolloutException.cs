namespace OrleansMl;

/// <summary>A rollout or guard request is invalid: an unknown candidate, or a bad weight, step, guard or stickyBy.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidRolloutException")]
public sealed class InvalidRolloutException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidRolloutException(string message) : base(message) { }
}
