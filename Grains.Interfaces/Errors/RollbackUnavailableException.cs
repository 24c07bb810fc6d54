namespace OrleansMl;

/// <summary>An alias has no earlier version to roll back to.</summary>
[GenerateSerializer, Alias("OrleansMl.RollbackUnavailableException")]
public sealed class RollbackUnavailableException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public RollbackUnavailableException(string message) : base(message) { }
}
