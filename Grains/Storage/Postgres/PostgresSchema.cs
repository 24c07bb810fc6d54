using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace OrleansMl.Storage.Postgres;

/// <summary>
/// Installs OrleansMl's PostgreSQL schema: the query catalog and tables that Orleans' ADO.NET clustering, grain
/// persistence and reminders use, and the artifact store's tables. Every script is idempotent, and the install runs in
/// one transaction under an advisory lock, so any number of silos may start at once against an empty database.
/// </summary>
public static partial class PostgresSchema
{
    /// <summary>The version of the embedded scripts. Bump it whenever a script changes, or running silos skip it.</summary>
    public const int Version = 3;

    /// <summary>Every OrleansMl process installing into one database queues on this advisory lock key.</summary>
    public const long LockKey = 0x4F524C4D_4C534348; // "ORLMLSCH"

    private static readonly string[] Scripts = ["01-Main", "02-Clustering", "03-Persistence", "04-Reminders", "05-Artifacts", "06-ArtifactReferences", "07-GrainStateGroups"];

    /// <summary>
    /// Installs the schema unless this version (or a newer one) is already there. Safe to call from every silo at
    /// start-up: the check is one query when the schema is current.
    /// </summary>
    /// <returns><see langword="true"/> when this call installed the schema.</returns>
    public static Task<bool> EnsureCreatedAsync(NpgsqlDataSource dataSource, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return InstallAsync(dataSource, force: false, logger ?? NullLogger.Instance, cancellationToken);
    }

    /// <inheritdoc cref="EnsureCreatedAsync(NpgsqlDataSource, ILogger?, CancellationToken)"/>
    public static async Task<bool> EnsureCreatedAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await EnsureCreatedAsync(dataSource, logger, cancellationToken);
    }

    /// <summary>
    /// The one-shot install (<c>Silo migrate</c>, e.g. as a Kubernetes Job before the silos start): runs every script
    /// even when the recorded version is current, which also repairs a catalog someone edited by hand. A database
    /// that a newer OrleansMl already migrated is left alone.
    /// </summary>
    /// <returns><see langword="true"/> when the scripts ran; <see langword="false"/> when the database is newer.</returns>
    public static async Task<bool> MigrateAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await InstallAsync(dataSource, force: true, logger ?? NullLogger.Instance, cancellationToken);
    }

    /// <summary>The installed schema version, or 0 when the database has none.</summary>
    public static async Task<int> GetInstalledVersionAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await InstalledVersionAsync(connection, null, cancellationToken);
    }

    private static async Task<bool> InstallAsync(NpgsqlDataSource dataSource, bool force, ILogger logger, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!force && await InstalledVersionAsync(connection, null, cancellationToken) >= Version)
        {
            return false;
        }

        // A session lock taken before the transaction begins: a transaction that started before another installer
        // committed could still resolve table names from its stale catalog cache and install a second time.
        await ExecuteAsync(connection, "SELECT pg_advisory_lock(@key)", cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            // Checked again under the lock: another silo may have installed while this one waited.
            var installed = await InstalledVersionAsync(connection, transaction, cancellationToken);
            if (installed > Version || (installed == Version && !force))
            {
                if (installed > Version)
                {
                    LogNewerSchema(logger, installed, Version);
                }

                return false;
            }

            foreach (var script in Scripts)
            {
                await using var command = new NpgsqlCommand(ReadScript(script), connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = new NpgsqlCommand(
                """
                INSERT INTO orleansml_schema (id, version) VALUES (1, @version)
                ON CONFLICT (id) DO UPDATE SET version = excluded.version, installed_at = now();
                """, connection, transaction))
            {
                record.Parameters.AddWithValue("version", Version);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            LogInstalled(logger, Version, connection.Database);
            return true;
        }
        finally
        {
            // Also released when the connection closes, should this fail on a broken connection.
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("key", LockKey);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<int> InstalledVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('orleansml_schema') IS NOT NULL", connection, transaction))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0;
            }
        }

        await using var read = new NpgsqlCommand("SELECT version FROM orleansml_schema WHERE id = 1", connection, transaction);
        return await read.ExecuteScalarAsync(cancellationToken) is int version ? version : 0;
    }

    private static string ReadScript(string name)
    {
        var resource = $"OrleansMl.Storage.Postgres.{name}.sql";
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded schema script {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Installed the OrleansMl PostgreSQL schema version {Version} in database {Database}")]
    private static partial void LogInstalled(ILogger logger, int version, string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database has OrleansMl schema version {Installed}, newer than this build's {Version}; left as is")]
    private static partial void LogNewerSchema(ILogger logger, int installed, int version);
}
