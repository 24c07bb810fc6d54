namespace OrleansMl;

/// <summary>A dataset or dataset version does not exist.</summary>
[GenerateSerializer, Alias("OrleansMl.DatasetNotFoundException")]
public sealed class DatasetNotFoundException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public DatasetNotFoundException(string message) : base(message) { }
}
