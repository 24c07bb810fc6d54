using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OrleansMl.Storage;

/// <summary>
/// The database behind a <see cref="GroupCommitGrainStorage"/>: how to open connections and the little SQL that differs
/// between SQLite (embedded mode) and PostgreSQL (cluster mode). Both hold the table <see cref="Table"/>, one row per
/// grain state keyed by service, state name and grain id, with a version that is the state's ETag.
/// </summary>
public abstract class GroupCommitDatabase
{
    /// <summary>The table of grain states written in groups.</summary>
    public const string Table = "orleansml_grain_state";

    /// <summary>The SQL expression for the current time.</summary>
    public abstract string Now { get; }

    /// <summary>Whether a group goes to the server as one batch (one round trip) rather than statement by statement.</summary>
    public abstract bool SendsBatches { get; }

    /// <summary>A connection for one read.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The connection that commits the groups, kept open between them.</summary>
    public virtual ValueTask<DbConnection> OpenWriterAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>The SQLite database at <paramref name="connectionString"/>; its schema is created by <see cref="SqliteGrainStorageSchema"/>.</summary>
    public static GroupCommitDatabase Sqlite(string connectionString) => new SqliteDatabase(connectionString);

    /// <summary>The PostgreSQL database behind <paramref name="dataSource"/>; its schema is installed by the silo (script 07).</summary>
    public static GroupCommitDatabase Postgres(NpgsqlDataSource dataSource) => new PostgresDatabase(dataSource);

    private sealed class SqliteDatabase(string connectionString) : GroupCommitDatabase
    {
        public override string Now => "datetime('now')";

        // In process: no round trips to save.
        public override bool SendsBatches => false;

        public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            return connection;
        }

        public override async ValueTask<DbConnection> OpenWriterAsync(CancellationToken cancellationToken)
        {
            var connection = await OpenAsync(cancellationToken);

            // A commit is acknowledged only once the write-ahead log is on disk: FULL syncs the WAL on every commit
            // (NORMAL would survive a killed process but not a power loss). Set here because it is a per-connection
            // setting; one sync per group is what makes FULL affordable.
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=FULL;";
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
    }

    private sealed class PostgresDatabase(NpgsqlDataSource dataSource) : GroupCommitDatabase
    {
        public override string Now => "now()";

        public override bool SendsBatches => true;

        public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            await dataSource.OpenConnectionAsync(cancellationToken);
    }
}
