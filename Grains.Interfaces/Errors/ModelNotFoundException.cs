namespace OrleansMl;

/// <summary>A model does not exist, or has no version that can serve.</summary>
[GenerateSerializer, Alias("OrleansMl.ModelNotFoundException")]
public sealed class ModelNotFoundException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public ModelNotFoundException(string message) : base(message) { }
}
