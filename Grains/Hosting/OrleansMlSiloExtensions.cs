using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using OrleansMl.Datasets;
using OrleansMl.Diagnostics;
using OrleansMl.Ml;
using OrleansMl.Predictions;
using Npgsql;
using OrleansMl.Storage;
using OrleansMl.Storage.Postgres;
using OrleansMl.Work;

namespace OrleansMl.Hosting;

/// <summary>The one place that decides how a process runs OrleansMl: embedded or cluster, silo or client.</summary>
public static class OrleansMlSiloExtensions
{
    /// <summary>The ADO.NET invariant Orleans maps to Microsoft.Data.Sqlite.</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    private const int MaxMessageBytes = 64 << 20;

    /// <summary>
    /// Connects a front-end host (the Gateway) to OrleansMl as the mode says: in embedded mode it co-hosts a silo; in
    /// cluster mode it is an Orleans client that finds the silos through the PostgreSQL membership table.
    /// </summary>
    public static IHostApplicationBuilder UseOrleansMl(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.AddOrleansMlOptions();
        return options.Mode == OrleansMlMode.Cluster ? builder.AddOrleansMlClient(options) : builder.AddOrleansMlSilo();
    }

    /// <summary>
    /// Hosts an OrleansMl silo in this process: grains, ML engine, storage and the bounded workers, configured from
    /// the <c>OrleansMl</c> section. Embedded mode clusters on localhost; cluster mode joins the PostgreSQL cluster.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansMlSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.AddOrleansMlOptions();

        // A stopping silo hands its activations over and leaves the membership table cleanly within this time.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            if (options.Mode == OrleansMlMode.Cluster)
            {
                silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, options.ListenOnAnyAddress);

                // How long a crashed silo's grains stay unreachable: the other silos must first declare it dead.
                silo.Configure<ClusterMembershipOptions>(o => o.NumMissedProbesLimit = options.MissedProbesLimit);

                // The strongly consistent in-cluster directory: when a silo dies, the survivors rebuild the directory
                // entries it held from their own activations. With Orleans' default directory those entries die with
                // it, and grains on healthy silos (training jobs among them) are deactivated and restarted.
#pragma warning disable ORLEANSEXP003 // Experimental in Orleans 10; measured against the alternatives in the README.
                silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003

                // Inside a Kubernetes pod: silo name from the pod, and a silo whose pod is deleted is declared dead at
                // once. The package throws anywhere else, so it is used only where Kubernetes says it runs.
                if (KubernetesHosting.InPod(builder.Configuration))
                {
                    silo.UseKubernetesHosting();
                }
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            }

            silo.AddOrleansMl(options);
        });
        return builder;
    }

    /// <summary>
    /// Everything but clustering endpoints: the ML engine, the bounded workers, the feature and model caches, the job
    /// resumer, and storage by mode — SQLite grain state, file artifacts and in-process reminders under
    /// <see cref="OrleansMlOptions.DataDirectory"/> (embedded), or membership, grain state, reminders and artifacts
    /// in PostgreSQL (cluster).
    /// </summary>
    public static ISiloBuilder AddOrleansMl(this ISiloBuilder silo, OrleansMlOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        silo.Services.AddOrleansMlServices(options);
        if (options.Mode == OrleansMlMode.Cluster)
        {
            silo.UsePostgres(options.PostgresConnectionString!);
        }
        else
        {
            silo.UseEmbeddedStorage(options);
        }

        silo.Configure<SiloMessagingOptions>(o => o.MaxMessageBodySize = MaxMessageBytes);
        silo.Services.AddHostedService<JobResumer>();
        silo.AddOrleansMlSiloMetrics();
        return silo;
    }

    private static ISiloBuilder UseEmbeddedStorage(this ISiloBuilder silo, OrleansMlOptions options)
    {
        var dataDirectory = options.FullDataDirectory;
        Directory.CreateDirectory(dataDirectory);
        var sqlite = $"Data Source={Path.Combine(dataDirectory, "orleansml.db")};Default Timeout=30;Pooling=True";
        SqliteGrainStorageSchema.EnsureCreated(sqlite);
        silo.Services.AddSingleton<IArtifactStore>(new FileArtifactStore(Path.Combine(dataDirectory, "artifacts")));
        silo.AddAdoNetGrainStorage(StorageNames.Grains, o =>
        {
            o.Invariant = SqliteInvariant;
            o.ConnectionString = sqlite;
        });

        // Binary grain state from day one: switching serializers later would make stored rows unreadable.
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(StorageNames.Grains);

        // One process: a restart is covered by the job resumer, so reminders need not outlive the process.
        silo.UseInMemoryReminderService();
        return silo;
    }

    private static IHostApplicationBuilder AddOrleansMlClient(this IHostApplicationBuilder builder, OrleansMlOptions options)
    {
        var dataSource = NpgsqlDataSource.Create(options.PostgresConnectionString!);
        builder.Services.AddSingleton(dataSource);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            client.UsePostgresClustering(dataSource);
            client.Configure<ClientMessagingOptions>(o => o.MaxMessageBodySize = MaxMessageBytes);

            // Silos may start after the gateway: keep trying instead of failing the host.
            client.UseConnectionRetryFilter(async (_, ct) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                return true;
            });
        });
        return builder;
    }

    /// <summary>Binds and validates <see cref="OrleansMlOptions"/>, and returns the bound values for wiring.</summary>
    public static OrleansMlOptions AddOrleansMlOptions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<OrleansMlOptions>()
            .Bind(builder.Configuration.GetSection(OrleansMlOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<OrleansMlOptions>>().Value);
        var options = builder.Configuration.GetSection(OrleansMlOptions.SectionName).Get<OrleansMlOptions>() ?? new OrleansMlOptions();
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true))
        {
            throw new OptionsValidationException(OrleansMlOptions.SectionName, typeof(OrleansMlOptions), errors.Select(e => e.ErrorMessage ?? "invalid setting"));
        }

        return options;
    }

    private static IServiceCollection AddOrleansMlServices(this IServiceCollection services, OrleansMlOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(options);
        services.AddSingleton(sp => new FrameCache(options.DatasetCacheBytes, options.DatasetCacheTtl, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<DatasetFrameLoader>();
        services.AddSingleton(new TrainingWorker(options.TrainingConcurrency));
        services.AddSingleton(new ParsingWorker(options.ParseConcurrency));
        services.AddSingleton(new ModelTrainer(new TrainerOptions { Threads = options.EffectiveTrainingThreads }));
        services.AddSingleton<ModelCache>();
        services.AddSingleton<ModelRouteCache>();
        return services;
    }
}
