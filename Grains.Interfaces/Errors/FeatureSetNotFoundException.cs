namespace OrleansMl;

/// <summary>No feature set has this name: define it with PUT /api/features/{set}.</summary>
[GenerateSerializer, Alias("OrleansMl.FeatureSetNotFoundException")]
public sealed class FeatureSetNotFoundException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public FeatureSetNotFoundException(string message) : base(message) { }
}
