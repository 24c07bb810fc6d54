using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using OrleansMl.Datasets;
using OrleansMl.Ml;
using OrleansMl.Predictions;
using OrleansMl.Storage;
using OrleansMl.Work;

namespace OrleansMl.Hosting;

/// <summary>The silo configuration every host shares (the Silo process, and the Gateway in embedded mode).</summary>
public static class OrleansMlSiloExtensions
{
    /// <summary>The ADO.NET invariant Orleans maps to Microsoft.Data.Sqlite.</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    private const int MaxMessageBytes = 64 << 20;

    /// <summary>
    /// Hosts an OrleansMl silo in this process: grains, ML engine, storage and the bounded workers, configured from
    /// the <c>OrleansMl</c> section. Embedded mode: localhost clustering, grain state in SQLite and artifacts in
    /// files, both under <see cref="OrleansMlOptions.DataDirectory"/>.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansMlSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.AddOrleansMlOptions();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            silo.AddOrleansMl(options);
        });
        return builder;
    }

    /// <summary>
    /// Everything but clustering: the ML engine, the bounded workers, the feature and model caches, grain state in
    /// SQLite and artifacts in files under <see cref="OrleansMlOptions.DataDirectory"/>, and the job resumer.
    /// </summary>
    public static ISiloBuilder AddOrleansMl(this ISiloBuilder silo, OrleansMlOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        var dataDirectory = options.FullDataDirectory;
        Directory.CreateDirectory(dataDirectory);
        var sqlite = $"Data Source={Path.Combine(dataDirectory, "orleansml.db")};Default Timeout=30;Pooling=True";
        SqliteGrainStorageSchema.EnsureCreated(sqlite);

        silo.Services.AddOrleansMlServices(options);
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
        silo.Configure<SiloMessagingOptions>(o => o.MaxMessageBodySize = MaxMessageBytes);
        silo.Services.AddHostedService<JobResumer>();
        return silo;
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
        services.AddSingleton(new ModelTrainer(new TrainerOptions { Threads = options.TrainingThreads > 0 ? options.TrainingThreads : null }));
        services.AddSingleton<ModelCache>();
        return services;
    }
}
