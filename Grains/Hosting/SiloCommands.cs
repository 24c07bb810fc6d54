using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansMl.Storage.Postgres;

namespace OrleansMl.Hosting;

/// <summary>
/// One-shot commands of the silo executable, run instead of the silo: <c>Silo migrate</c> installs or updates the
/// PostgreSQL schema of cluster mode and exits (e.g. as a Kubernetes Job before the silos roll out).
/// </summary>
public static partial class SiloCommands
{
    public const string Migrate = "migrate";

    /// <summary>
    /// Runs the command named by the first argument, configured like the silo (appsettings.json, environment variables,
    /// the remaining arguments). Returns its exit code, or <see langword="null"/> when the arguments name no command.
    /// </summary>
    public static async Task<int?> TryRunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is not [Migrate, ..])
        {
            return null;
        }

        var builder = Host.CreateApplicationBuilder(args[1..]);
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SiloCommands).FullName!);
        var connectionString = builder.Configuration.GetSection(OrleansMlOptions.SectionName)
            .GetValue<string>(nameof(OrleansMlOptions.PostgresConnectionString));
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            LogMissingConnectionString(logger);
            return 2;
        }

        try
        {
            await PostgresSchema.MigrateAsync(connectionString, logger, cancellationToken);
            LogMigrated(logger, PostgresSchema.Version);
            return 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            LogMigrationFailed(logger, ex);
            return 1;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Nothing to migrate: set OrleansMl__PostgresConnectionString (or --OrleansMl:PostgresConnectionString) to the cluster's database")]
    private static partial void LogMissingConnectionString(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "The PostgreSQL schema is at version {Version} or newer")]
    private static partial void LogMigrated(ILogger logger, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Migrating the PostgreSQL schema failed")]
    private static partial void LogMigrationFailed(ILogger logger, Exception exception);
}
