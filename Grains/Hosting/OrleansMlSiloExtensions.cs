using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;
using OrleansMl.Datasets;
using OrleansMl.Diagnostics;
using OrleansMl.Health;
using OrleansMl.Ml;
using OrleansMl.Predictions;
using Npgsql;
using OrleansMl.Storage;
using OrleansMl.Storage.Postgres;
using OrleansMl.Work;

namespace OrleansMl.Hosting;

/// <summary>
/// The one place that decides how a process runs OrleansMl: embedded or cluster, silo or client. Every setting is
/// read through <see cref="IOptions{OrleansMlOptions}"/> when the host starts, validated first; only the mode is read
/// while the host is composed, because it decides which services there are.
/// </summary>
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
        return ReadMode(builder.Configuration) == OrleansMlMode.Cluster ? builder.AddOrleansMlClient() : builder.AddOrleansMlSilo();
    }

    /// <summary>
    /// Hosts an OrleansMl silo in this process: grains, ML engine, storage and the bounded workers, configured from
    /// the <c>OrleansMl</c> section. Embedded mode clusters on localhost; cluster mode joins the PostgreSQL cluster.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansMlSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddOrleansMlOptions();
        var mode = ReadMode(builder.Configuration);

        // A stopping silo hands its activations over and leaves the membership table cleanly within this time.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.UseOrleans(silo =>
        {
            silo.Services.AddOptions<ClusterOptions>().Configure<IOptions<OrleansMlOptions>>((o, ml) =>
            {
                o.ClusterId = ml.Value.ClusterId;
                o.ServiceId = ml.Value.ServiceId;
            });
            if (mode == OrleansMlMode.Cluster)
            {
                silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<OrleansMlOptions>>((o, ml) =>
                {
                    var settings = ml.Value;
                    o.AdvertisedIPAddress = IPAddress.Parse(settings.AdvertisedAddress);
                    o.SiloPort = settings.SiloPort;
                    o.GatewayPort = settings.GatewayPort;
                    if (settings.ListenOnAnyAddress)
                    {
                        o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, settings.SiloPort);
                        o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, settings.GatewayPort);
                    }
                });

                // How long a crashed silo's grains stay unreachable: the other silos must first declare it dead.
                silo.Services.AddOptions<ClusterMembershipOptions>().Configure<IOptions<OrleansMlOptions>>(
                    (o, ml) => o.NumMissedProbesLimit = ml.Value.MissedProbesLimit);

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
                // Localhost clustering with this silo as the primary, on the configured ports.
                silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<OrleansMlOptions>>((o, ml) =>
                {
                    o.AdvertisedIPAddress = IPAddress.Loopback;
                    o.SiloPort = ml.Value.SiloPort;
                    o.GatewayPort = ml.Value.GatewayPort;
                });
                silo.UseDevelopmentClustering(b => b.Configure<IOptions<EndpointOptions>>(
                    (o, endpoints) => o.PrimarySiloEndpoint = new IPEndPoint(endpoints.Value.AdvertisedIPAddress, endpoints.Value.SiloPort)));
            }

            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ListeningPorts>();
            if (mode == OrleansMlMode.Embedded)
            {
                silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DataDirectoryLock>();
            }

            silo.AddOrleansMl();
        });
        return builder;
    }

    /// <summary>
    /// Everything but clustering: the ML engine, the bounded workers, the feature and model caches, the job resumer,
    /// and storage by mode — SQLite grain state, file artifacts and in-process reminders under
    /// <see cref="OrleansMlOptions.DataDirectory"/> (embedded), or membership, grain state, reminders and artifacts
    /// in PostgreSQL (cluster). Settings come from the <c>OrleansMl</c> configuration section, then
    /// <paramref name="configure"/>.
    /// </summary>
    public static ISiloBuilder AddOrleansMl(this ISiloBuilder silo, Action<OrleansMlOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddOrleansMlOptions(silo.Configuration);
        if (configure is not null)
        {
            silo.Services.Configure(configure);
        }

        silo.Services.AddOrleansMlServices();
        var mode = ReadMode(silo.Configuration);
        if (mode == OrleansMlMode.Cluster)
        {
            silo.UsePostgres(sp => Settings(sp).PostgresConnectionString!);
        }
        else
        {
            silo.UseEmbeddedStorage();
        }

        silo.Configure<SiloMessagingOptions>(o => o.MaxMessageBodySize = MaxMessageBytes);
        if (ReadDashboard(silo.Configuration))
        {
            silo.AddDashboard(o => o.HideTrace = true);
        }

        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, OpenMpSetup>();
        silo.Services.AddHostedService<JobResumer>();
        silo.Services.AddSingleton<PredictionStats>();
        silo.Services.AddSingleton(sp => PredictionIds.FromSettings(Settings(sp).Feedback.SigningKey, Settings(sp).DeploymentIdentity));
        silo.Services.AddHostedService<HealthFlusher>();
        silo.Services.AddSingleton<ShadowScorer>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<ShadowScorer>());
        silo.Services.AddSingleton<PredictorServices>();
        silo.Services.AddSingleton<LocalPredictors>();
        silo.Services.AddSingleton<ArtifactSweeper>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<ArtifactSweeper>());
        silo.AddOrleansMlSiloMetrics();
        return silo;
    }

    /// <summary>
    /// Binds <see cref="OrleansMlOptions"/> to the <c>OrleansMl</c> section, once however often it is called, validated
    /// when the host starts (an invalid setting stops the start with a message naming its environment variable).
    /// </summary>
    public static IHostApplicationBuilder AddOrleansMlOptions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOrleansMlOptions(builder.Configuration);
        return builder;
    }

    /// <summary>
    /// The mode, read once while the host is composed: it decides which services exist (a silo or a client, SQLite or
    /// PostgreSQL), so it cannot wait for the options. Every other setting is read through the options.
    /// </summary>
    public static OrleansMlMode ReadMode(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration.GetSection(OrleansMlOptions.SectionName)[nameof(OrleansMlOptions.Mode)];
        return string.IsNullOrWhiteSpace(text) ? OrleansMlMode.Embedded
            : Enum.TryParse<OrleansMlMode>(text, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !int.TryParse(text, out _) ? mode
            : throw new OptionsValidationException(OrleansMlOptions.SectionName, typeof(OrleansMlOptions),
                [$"OrleansMl:Mode '{text}' is not a mode: set OrleansMl__Mode to Embedded or Cluster."]);
    }

    /// <summary>Whether the Orleans Dashboard is on (<c>OrleansMl__Dashboard</c>): read while composing, as it adds services.</summary>
    public static bool ReadDashboard(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(OrleansMlOptions.SectionName).GetValue<bool>(nameof(OrleansMlOptions.Dashboard));
    }

    private static void AddOrleansMlOptions(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(OptionsRegistered)))
        {
            return;
        }

        services.AddSingleton(new OptionsRegistered());
        services.AddOptions<OrleansMlOptions>()
            .Bind(configuration.GetSection(OrleansMlOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }

    private static OrleansMlOptions Settings(IServiceProvider services) => services.GetRequiredService<IOptions<OrleansMlOptions>>().Value;

    private static ISiloBuilder UseEmbeddedStorage(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, EmbeddedStorageSetup>();
        silo.Services.AddSingleton<IArtifactStore>(sp => new FileArtifactStore(
            Path.Combine(Settings(sp).CreateDataDirectory(), "artifacts"), Settings(sp).MinFreeDiskBytes, sp.GetRequiredService<TimeProvider>()));
        silo.AddAdoNetGrainStorage(StorageNames.Grains, b => b.Configure<IOptions<OrleansMlOptions>>((o, ml) =>
        {
            o.Invariant = SqliteInvariant;
            o.ConnectionString = EmbeddedStorageSetup.ConnectionString(ml.Value);
        }));

        // Binary grain state from day one: switching serializers later would make stored rows unreadable.
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>(StorageNames.Grains);
        silo.Services.AddGroupCommitStorage(StorageNames.FeatureEntities, sp => GroupCommitDatabase.Sqlite(EmbeddedStorageSetup.ConnectionString(Settings(sp))));

        // One process: a restart is covered by the job resumer, so reminders need not outlive the process.
        silo.UseInMemoryReminderService();
        return silo;
    }

    private static IHostApplicationBuilder AddOrleansMlClient(this IHostApplicationBuilder builder)
    {
        builder.AddOrleansMlOptions();

        // Registered through a factory, the pool is created at start (after validation) and disposed with the container.
        builder.Services.AddSingleton(sp => NpgsqlDataSource.Create(Settings(sp).PostgresConnectionString!));
        builder.UseOrleansClient(client =>
        {
            client.Services.AddOptions<ClusterOptions>().Configure<IOptions<OrleansMlOptions>>((o, ml) =>
            {
                o.ClusterId = ml.Value.ClusterId;
                o.ServiceId = ml.Value.ServiceId;
            });
            client.UsePostgresClustering();
            client.Configure<ClientMessagingOptions>(o => o.MaxMessageBodySize = MaxMessageBytes);
            if (ReadDashboard(builder.Configuration))
            {
                // The dashboard's own grains run on the silos (which must have it on too); the gateway serves its page.
                client.AddDashboard(o => o.HideTrace = true);
            }

            // Silos may start after the gateway: keep trying instead of failing the host.
            client.UseConnectionRetryFilter(async (_, ct) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                return true;
            });
        });
        return builder;
    }

    private static IServiceCollection AddOrleansMlServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(Features.FeatureClock.ServiceKey, static (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.TryAddKeyedSingleton(Schedules.ScheduleClock.ServiceKey, static (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddSingleton(sp =>
        {
            var settings = Settings(sp);
            return new FrameCache(settings.DatasetCacheBytes, settings.DatasetCacheTtl, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<DatasetFrameLoader>();
        services.AddSingleton(sp => new TrainingWorker(Settings(sp).TrainingConcurrency));
        services.AddSingleton(sp => new ParsingWorker(Settings(sp).ParseConcurrency));
        services.AddSingleton(sp => new ModelTrainer(new TrainerOptions
        {
            Threads = Settings(sp).EffectiveTrainingThreads,
            Limits = TrainingLimits.From(Settings(sp)),
        }));
        services.AddSingleton<Trials.SearchTrialCache>();
        services.AddSingleton<ModelCache>();
        services.AddSingleton<ModelRouteCache>();
        return services;
    }

    /// <summary>Marks the options as registered, so that composing a host twice binds them once.</summary>
    private sealed class OptionsRegistered;

    /// <summary>
    /// Creates the data directory and the SQLite schema in the first stage of silo start-up (after the options were
    /// validated, before the grain storage opens the database).
    /// </summary>
    private sealed class EmbeddedStorageSetup(IOptions<OrleansMlOptions> options) : ILifecycleParticipant<ISiloLifecycle>
    {
        public static string ConnectionString(OrleansMlOptions settings) =>
            $"Data Source={Path.Combine(settings.FullDataDirectory, "orleansml.db")};Default Timeout=30;Pooling=True";

        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(EmbeddedStorageSetup), ServiceLifecycleStage.First, _ =>
            {
                options.Value.CreateDataDirectory();
                SqliteGrainStorageSchema.EnsureCreated(ConnectionString(options.Value));
                return Task.CompletedTask;
            });
    }
}
