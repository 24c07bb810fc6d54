namespace OrleansMl;

/// <summary>Alias names with a meaning of their own.</summary>
public static class ModelAliases
{
    /// <summary>The alias predictions use when they name neither a version nor an alias.</summary>
    public const string Production = "production";
}
