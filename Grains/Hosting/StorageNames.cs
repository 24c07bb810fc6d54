namespace OrleansMl.Hosting;

/// <summary>Names of the grain storage providers.</summary>
public static class StorageNames
{
    /// <summary>The durable store for every grain's state (SQLite embedded, PostgreSQL in a cluster).</summary>
    public const string Grains = "orleansml";

    /// <summary>
    /// The state of feature entities: written by <see cref="Storage.GroupCommitGrainStorage"/>, which commits the
    /// concurrent writes of many entities in one transaction (same database as <see cref="Grains"/>).
    /// </summary>
    public const string FeatureEntities = "orleansml-features";
}
