namespace OrleansMl;

/// <summary>
/// A model or dataset version cannot be deleted while something uses it (an alias, an alias's rollback stack, a
/// queued or running job, a model version trained on the dataset version); nothing was changed.
/// </summary>
[GenerateSerializer, Alias("OrleansMl.VersionInUseException")]
public sealed class VersionInUseException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public VersionInUseException(string message) : base(message) { }
}
