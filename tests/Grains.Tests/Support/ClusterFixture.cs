using Orleans.TestingHost;
using OrleansMl.Hosting;

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
            });
            Faults.Install(silo.Services, StorageNames.Grains);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
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

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
