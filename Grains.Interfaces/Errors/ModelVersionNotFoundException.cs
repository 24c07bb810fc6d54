namespace OrleansMl;

/// <summary>A model version does not exist.</summary>
[GenerateSerializer, Alias("OrleansMl.ModelVersionNotFoundException")]
public sealed class ModelVersionNotFoundException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public ModelVersionNotFoundException(string message) : base(message) { }
}
