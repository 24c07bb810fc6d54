namespace OrleansMl.Hosting;

/// <summary>Names of the grain storage providers.</summary>
public static class StorageNames
{
    /// <summary>The durable store for every grain's state (SQLite embedded, PostgreSQL in a cluster).</summary>
    public const string Grains = "orleansml";
}
