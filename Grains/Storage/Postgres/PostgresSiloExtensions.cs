using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Storage;
using OrleansMl.Hosting;

namespace OrleansMl.Storage.Postgres;

/// <summary>
/// The PostgreSQL half of cluster mode: Orleans membership, grain state and reminders through the ADO.NET providers,
/// and the artifact store, all in one database whose schema the silo installs at start-up.
/// </summary>
public static class PostgresSiloExtensions
{
    /// <summary>The ADO.NET invariant Orleans maps to Npgsql (loaded by reflection, so every process references Npgsql).</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Stores everything in the PostgreSQL database at <paramref name="connectionString"/>; the silo owns the
    /// connection pool and closes it when the silo is disposed. Use instead of the embedded storage, never with it.
    /// </summary>
    public static ISiloBuilder UsePostgres(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var dataSource = NpgsqlDataSource.Create(connectionString);

        // Registered through a factory, unlike an instance, the pool is disposed with the container. Resolving it for
        // the schema installer (which every silo creates) makes sure the container tracks it.
        silo.Services.AddSingleton(_ => dataSource);
        return silo.AddPostgres(dataSource, sp => sp.GetRequiredService<NpgsqlDataSource>());
    }

    /// <summary>
    /// Stores everything in the database behind <paramref name="dataSource"/> (owned by the caller): ADO.NET clustering,
    /// grain state under <see cref="StorageNames.Grains"/> with Orleans' binary serializer, ADO.NET reminders, and the
    /// <see cref="PostgresArtifactStore"/>. The schema is installed (or found current) before any provider starts.
    /// </summary>
    public static ISiloBuilder UsePostgres(this ISiloBuilder silo, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(dataSource);
        return silo.AddPostgres(dataSource, _ => dataSource);
    }

    /// <summary>An Orleans client (a gateway process) that finds the silos' gateways in the membership table.</summary>
    public static IClientBuilder UsePostgresClustering(this IClientBuilder client, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(dataSource);
        return client.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        });
    }

    private static ISiloBuilder AddPostgres(this ISiloBuilder silo, NpgsqlDataSource dataSource, Func<IServiceProvider, NpgsqlDataSource> resolve)
    {
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new SchemaInstaller(resolve(sp), sp.GetRequiredService<ILogger<SchemaInstaller>>()));
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        });
        silo.AddAdoNetGrainStorage(StorageNames.Grains, o =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        });

        // Binary grain state from day one: switching serializers later would make stored rows unreadable.
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(StorageNames.Grains);
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        });
        silo.Services.AddSingleton<IArtifactStore>(new PostgresArtifactStore(dataSource));
        return silo;
    }

    /// <summary>
    /// Installs the schema in the first stage of silo start-up, before membership, storage and reminders load their
    /// queries from it.
    /// </summary>
    private sealed class SchemaInstaller(NpgsqlDataSource dataSource, ILogger<SchemaInstaller> logger) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(PostgresSchema), ServiceLifecycleStage.First, ct => PostgresSchema.EnsureCreatedAsync(dataSource, logger, ct));
    }
}
