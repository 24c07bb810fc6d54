namespace OrleansMl.Hosting;

/// <summary>How a process runs OrleansMl (<c>OrleansMl__Mode</c>).</summary>
public enum OrleansMlMode
{
    /// <summary>One process: localhost clustering, SQLite grain state and file artifacts under the data directory.</summary>
    Embedded = 0,

    /// <summary>Silos and gateways on PostgreSQL: membership, grain state, reminders and artifacts in one database.</summary>
    Cluster = 1,
}
