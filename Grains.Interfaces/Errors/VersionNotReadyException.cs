namespace OrleansMl;

/// <summary>The model version has not succeeded, so it cannot be promoted or serve predictions.</summary>
[GenerateSerializer, Alias("OrleansMl.VersionNotReadyException")]
public sealed class VersionNotReadyException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public VersionNotReadyException(string message) : base(message) { }
}
