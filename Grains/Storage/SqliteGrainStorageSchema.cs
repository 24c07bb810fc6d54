using Microsoft.Data.Sqlite;

namespace OrleansMl.Storage;

/// <summary>
/// Creates, idempotently, the tables and queries Orleans' ADO.NET grain storage reads from a SQLite database:
/// <c>OrleansQuery</c> (query text by key) and <c>OrleansStorage</c> (one row per grain state, binary payload), and the
/// table of <see cref="GroupCommitGrainStorage"/> (<c>orleansml_grain_state</c>).
/// The queries follow the provider's contract: parameter names in, <c>PayloadBinary</c>/<c>Version</c> and
/// <c>NewGrainStateVersion</c> out, optimistic concurrency on <c>Version</c>.
/// </summary>
public static class SqliteGrainStorageSchema
{
    private const string KeyMatch = """
        GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
        AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
        AND GrainTypeString = @GrainTypeString
        AND (GrainIdExtensionString = @GrainIdExtensionString OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL))
        AND ServiceId = @ServiceId
        """;

    private static readonly string Tables = """
        CREATE TABLE IF NOT EXISTS OrleansQuery
        (
            QueryKey  TEXT PRIMARY KEY,
            QueryText TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS OrleansStorage
        (
            GrainIdHash            INT NOT NULL,
            GrainIdN0              BIGINT NOT NULL,
            GrainIdN1              BIGINT NOT NULL,
            GrainTypeHash          INT NOT NULL,
            GrainTypeString        NVARCHAR(512) NOT NULL,
            GrainIdExtensionString NVARCHAR(512) NULL,
            ServiceId              NVARCHAR(150) NOT NULL,
            PayloadBinary          BLOB NULL,
            ModifiedOn             DATETIME NOT NULL,
            Version                INT NULL
        );
        CREATE INDEX IF NOT EXISTS IX_OrleansStorage ON OrleansStorage(GrainIdHash, GrainTypeHash);
        CREATE TABLE IF NOT EXISTS orleansml_grain_state
        (
            service_id  TEXT NOT NULL,
            state_name  TEXT NOT NULL,
            grain_id    TEXT NOT NULL,
            version     INTEGER NOT NULL,
            payload     BLOB NULL,
            modified_on TEXT NOT NULL,
            PRIMARY KEY (service_id, state_name, grain_id)
        ) WITHOUT ROWID;
        """;

    // Exactly one statement produces a row on success: the insert of a new state (expected version null) or the
    // versioned update. No row means the expected version was stale, which the provider reports as a conflict.
    private static readonly string Write = $"""
        INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
        SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @PayloadBinary, datetime('now'), 1
        WHERE @GrainStateVersion IS NULL AND NOT EXISTS (SELECT 1 FROM OrleansStorage WHERE {KeyMatch})
        RETURNING Version AS NewGrainStateVersion;
        UPDATE OrleansStorage
        SET PayloadBinary = @PayloadBinary, ModifiedOn = datetime('now'), Version = Version + 1
        WHERE @GrainStateVersion IS NOT NULL AND {KeyMatch} AND Version = @GrainStateVersion
        RETURNING Version AS NewGrainStateVersion;
        """;

    private static readonly string Read = $"""
        SELECT PayloadBinary, Version AS Version
        FROM OrleansStorage
        WHERE {KeyMatch}
        LIMIT 1;
        """;

    private static readonly string Clear = $"""
        UPDATE OrleansStorage
        SET PayloadBinary = NULL, ModifiedOn = datetime('now'), Version = Version + 1
        WHERE {KeyMatch} AND Version = @GrainStateVersion
        RETURNING Version AS NewGrainStateVersion;
        """;

    /// <summary>Creates the schema if needed and switches the database to WAL so readers never wait for writers.</summary>
    public static void EnsureCreated(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, Tables);
        foreach (var (key, text) in new[] { ("WriteToStorageKey", Write), ("ReadFromStorageKey", Read), ("ClearStorageKey", Clear) })
        {
            using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = "INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ($key, $text) ON CONFLICT(QueryKey) DO UPDATE SET QueryText = excluded.QueryText;";
            upsert.Parameters.AddWithValue("$key", key);
            upsert.Parameters.AddWithValue("$text", text);
            upsert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
