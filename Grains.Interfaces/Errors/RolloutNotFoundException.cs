namespace OrleansMl;

/// <summary>The model has no rollout.</summary>
[GenerateSerializer, Alias("OrleansMl.RolloutNotFoundException")]
public sealed class RolloutNotFoundException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public RolloutNotFoundException(string message) : base(message) { }
}
