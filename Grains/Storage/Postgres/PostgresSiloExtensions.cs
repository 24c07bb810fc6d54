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
        return silo.UsePostgres(_ => connectionString);
    }

    /// <summary>
    /// Stores everything in the PostgreSQL database whose connection string <paramref name="connectionString"/> gives
    /// when the silo starts (e.g. from options); the silo owns the connection pool and closes it when it is disposed.
    /// </summary>
    public static ISiloBuilder UsePostgres(this ISiloBuilder silo, Func<IServiceProvider, string> connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(connectionString);

        // Registered through a factory, unlike an instance, the pool is disposed with the container.
        silo.Services.AddSingleton(sp => NpgsqlDataSource.Create(connectionString(sp)));
        return silo.AddPostgres();
    }

    /// <summary>
    /// Stores everything in the database behind <paramref name="dataSource"/> (owned by the caller): ADO.NET clustering,
    /// grain state under <see cref="StorageNames.Grains"/> with Orleans' binary serializer, feature entities under
    /// <see cref="StorageNames.FeatureEntities"/> in groups (<see cref="GroupCommitGrainStorage"/>), ADO.NET reminders, and the
    /// <see cref="PostgresArtifactStore"/>. The schema is installed (or found current) before any provider starts.
    /// </summary>
    public static ISiloBuilder UsePostgres(this ISiloBuilder silo, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(dataSource);
        silo.Services.AddSingleton(dataSource);
        return silo.AddPostgres();
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

    /// <summary>As <see cref="UsePostgresClustering(IClientBuilder, NpgsqlDataSource)"/>, with the data source registered in the container.</summary>
    public static IClientBuilder UsePostgresClustering(this IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.UseAdoNetClustering(b => b.Configure<NpgsqlDataSource>((o, dataSource) =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        }));
    }

    /// <summary>Everything in the database of the container's <see cref="NpgsqlDataSource"/>.</summary>
    private static ISiloBuilder AddPostgres(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new SchemaInstaller(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ILogger<SchemaInstaller>>()));
        silo.UseAdoNetClustering(b => b.Configure<NpgsqlDataSource>((o, dataSource) =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        }));
        silo.AddAdoNetGrainStorage(StorageNames.Grains, b => b.Configure<NpgsqlDataSource>((o, dataSource) =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        }));

        // Binary grain state from day one: switching serializers later would make stored rows unreadable.
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(StorageNames.Grains);
        silo.Services.AddGroupCommitStorage(StorageNames.FeatureEntities, sp => GroupCommitDatabase.Postgres(sp.GetRequiredService<NpgsqlDataSource>()));
        silo.UseAdoNetReminderService(b => b.Configure<NpgsqlDataSource>((o, dataSource) =>
        {
            o.Invariant = Invariant;
            o.DataSource = dataSource;
        }));
        silo.Services.AddSingleton<IArtifactStore>(sp => new PostgresArtifactStore(sp.GetRequiredService<NpgsqlDataSource>()));
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
