using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using OrleansMl.Hosting;
using OrleansMl.Storage.Postgres;

namespace OrleansMl.Tests.Support;

/// <summary>
/// Real silos in this process, each an ordinary host with its own ports on loopback and its own connection pool, that
/// find each other only through PostgreSQL (as separate silo processes would), and clients that find them there too.
/// </summary>
public sealed class PostgresCluster(string connectionString) : IAsyncDisposable
{
    public string ConnectionString => connectionString;

    private readonly List<IHost> _hosts = [];
    private readonly List<NpgsqlDataSource> _clientDataSources = [];

    public string ClusterId { get; } = $"cluster-{Guid.NewGuid():N}";

    public const string ServiceId = "orleansml-tests";

    public async Task<IHost> StartSiloAsync(Action<ISiloBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, TcpPorts.Free(), TcpPorts.Free(), listenOnAnyHostAddress: false);
            silo.UsePostgres(connectionString);
            configure?.Invoke(silo);
        });
        return await StartAsync(builder);
    }

    /// <summary>
    /// A silo composed exactly as a cluster-mode silo process composes itself (<c>AddOrleansMlSilo</c> with
    /// <c>OrleansMl__Mode=Cluster</c>): grains, workers and artifact store all on this database.
    /// </summary>
    public async Task<IHost> StartOrleansMlSiloAsync(IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        var values = new Dictionary<string, string?>
        {
            ["OrleansMl:Mode"] = "Cluster",
            ["OrleansMl:PostgresConnectionString"] = connectionString,
            ["OrleansMl:ClusterId"] = ClusterId,
            ["OrleansMl:ServiceId"] = ServiceId,
            ["OrleansMl:SiloPort"] = TcpPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OrleansMl:GatewayPort"] = TcpPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OrleansMl:TrainingConcurrency"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.AddOrleansMlSilo();
        return await StartAsync(builder);
    }

    public async Task<IClusterClient> ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        var dataSource = NpgsqlDataSource.Create(connectionString);
        _clientDataSources.Add(dataSource);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            client.UsePostgresClustering(dataSource);
        });
        var host = await StartAsync(builder);
        return host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>A graceful stop: the silo hands its work over and marks itself dead in the membership table.</summary>
    public async Task StopAsync(IHost host)
    {
        _hosts.Remove(host);
        await host.StopAsync();
        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Clients first, then silos, newest first.
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await StopAsync(_hosts[i]);
        }

        foreach (var dataSource in _clientDataSources)
        {
            await dataSource.DisposeAsync();
        }
    }

    private async Task<IHost> StartAsync(HostApplicationBuilder builder)
    {
        var host = builder.Build();
        await host.StartAsync();
        _hosts.Add(host);
        return host;
    }
}
