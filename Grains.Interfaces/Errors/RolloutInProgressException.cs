namespace OrleansMl;

/// <summary>
/// An alias cannot be moved by hand while a rollout runs on it: the rollout owns the alias until it promotes, rolls back
/// or is aborted; nothing was changed.
/// </summary>
[GenerateSerializer, Alias("OrleansMl.RolloutInProgressException")]
public sealed class RolloutInProgressException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public RolloutInProgressException(string message) : base(message) { }
}
