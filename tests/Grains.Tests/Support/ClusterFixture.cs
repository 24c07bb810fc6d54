using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Tests.Support;

/// <summary>
/// One in-process silo configured exactly as a production silo (SQLite grain state, file artifacts, bounded
/// workers), on a throwaway data directory. One training slot, so queued jobs are observable. Its grain storage can be
/// made to fail on demand (<see cref="Faults"/>).
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private readonly int _silos;

    public ClusterFixture()
        : this(1)
    {
    }

    protected ClusterFixture(int silos) => _silos = silos;

    /// <summary>A silo on a given data directory: a second fixture on the same directory is the same cluster restarted.</summary>
    protected ClusterFixture(int silos, string dataDirectory)
    {
        _silos = silos;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "orleansml-tests", Guid.NewGuid().ToString("N"));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public StorageFaults Faults { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder((short)_silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOrleansMl(o =>
            {
                o.DataDirectory = DataDirectory;
                o.TrainingConcurrency = 1;
                o.MaxUploadMegabytes = 2;
                Configure(o);
            });
            ConfigureServices(silo.Services);
            Faults.Install(silo.Services, StorageNames.Grains);
            Faults.Install(silo.Services, StorageNames.FeatureEntities);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>The artifact store of the (first) silo, as the grains use it.</summary>
    public IArtifactStore Artifacts => Cluster.Silos[0].SiloHost.Services.GetRequiredService<IArtifactStore>();

    /// <summary>Settings of this fixture's silos beyond the shared ones.</summary>
    protected virtual void Configure(OrleansMlOptions options)
    {
    }

    /// <summary>Services of this fixture's silos beyond the shared ones (registered after them, so they win).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS may still hold the database file for a moment.
        }
    }
}

/// <summary>Three silos sharing one data directory, as three processes would share one database.</summary>
public sealed class ThreeSiloFixture() : ClusterFixture(3);

[CollectionDefinition(Name)]
public sealed class ThreeSiloCollection : ICollectionFixture<ThreeSiloFixture>
{
    public const string Name = "three silos";
}

/// <summary>One silo with small limits, so that each can be reached at, and just past, its bound.</summary>
public sealed class LimitsFixture : ClusterFixture
{
    public const int QueuedPerModel = 3;
    public const int QueuedInCluster = 5;
    public const int Aliases = 3;
    public const int History = 4;
    public const int ReasonLength = 20;
    public const int IdempotencyKeys = 3;

    /// <summary>Room for a CSV row past the parser's 16 MiB row limit, which no setting lowers.</summary>
    public const int UploadMegabytes = 24;

    protected override void Configure(OrleansMlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxUploadMegabytes = UploadMegabytes;
        options.MaxQueuedTrainingsPerModel = QueuedPerModel;
        options.MaxQueuedTrainings = QueuedInCluster;
        options.MaxAliasesPerModel = Aliases;
        options.MaxAliasHistory = History;
        options.MaxAliasReasonLength = ReasonLength;
        options.MaxIdempotencyKeys = IdempotencyKeys;
    }
}

/// <summary>One silo that keeps only the two newest unaliased versions of each model.</summary>
public sealed class RetentionFixture : ClusterFixture
{
    protected override void Configure(OrleansMlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.KeepVersions = 2;
    }
}

[CollectionDefinition(Name)]
public sealed class LimitsCollection : ICollectionFixture<LimitsFixture>
{
    public const string Name = "limits";
}

[CollectionDefinition(Name)]
public sealed class RetentionCollection : ICollectionFixture<RetentionFixture>
{
    public const string Name = "retention";
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>
/// One silo whose feature store runs on a fake clock (<see cref="Time"/>) with small feature limits; the rest of the
/// silo keeps real time.
/// </summary>
public sealed class FeatureStoreFixture : ClusterFixture
{
    public const int EventsPerKey = 400;
    public const int ValuesPerSet = 4;
    public const int AggregatesPerSet = 16;

    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    protected override void Configure(OrleansMlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxFeatureEventsPerKey = EventsPerKey;
        options.MaxFeatureValuesPerSet = ValuesPerSet;
        options.MaxFeatureAggregatesPerSet = AggregatesPerSet;
    }

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddKeyedSingleton<TimeProvider>(OrleansMl.Features.FeatureClock.ServiceKey, Time);
}

[CollectionDefinition(Name)]
public sealed class FeatureStoreCollection : ICollectionFixture<FeatureStoreFixture>
{
    public const string Name = "feature store";
}

/// <summary>One silo whose schedules run on a fake clock (<see cref="Time"/>); the rest of the silo keeps real time.</summary>
public sealed class ScheduleFixture : ClusterFixture
{
    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddKeyedSingleton<TimeProvider>(OrleansMl.Schedules.ScheduleClock.ServiceKey, Time);
}

/// <summary>
/// A schedule silo on a given data directory and fake clock, for restarts: stop one with <see cref="StopAsync"/> (keeping
/// its data) and start another on the same directory.
/// </summary>
public sealed class RestartableScheduleCluster(string dataDirectory, Microsoft.Extensions.Time.Testing.FakeTimeProvider time) : ClusterFixture(1, dataDirectory)
{
    /// <summary>Stops the silo and keeps its data directory.</summary>
    public Task StopAsync() => Cluster.DisposeAsync().AsTask();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddKeyedSingleton<TimeProvider>(OrleansMl.Schedules.ScheduleClock.ServiceKey, time);

        // Grain state is stored per service id, which a test cluster otherwise draws afresh on every start.
        services.PostConfigure<Orleans.Configuration.ClusterOptions>(o => o.ServiceId = "schedule-restart");
    }
}

[CollectionDefinition(Name)]
public sealed class ScheduleCollection : ICollectionFixture<ScheduleFixture>
{
    public const string Name = "schedules";
}
