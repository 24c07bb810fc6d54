using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// A cluster of real processes started by <c>scripts/cluster.sh</c>, exactly as a person starts one: PostgreSQL, silos
/// and gateways on their own loopback ports, logs and pids in a temporary folder. The script's own PostgreSQL is used
/// unless <c>ORLEANSML_TEST_POSTGRES</c> names a server, on which a fresh database is created instead.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    // The script's port layout (see scripts/cluster.sh): gateways from the base, PostgreSQL at +10, silo i at +10+i
    // (health), +20+i (silo port) and +30+i (gateway port).
    private const int PortSpan = 40;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "orleansml-cluster-tests", Guid.NewGuid().ToString("N"));
    private readonly int _basePort;
    private readonly PostgresFixture? _givenServer;
    private readonly string? _givenDatabase;
    private readonly List<IHost> _clients = [];
    private readonly IReadOnlyDictionary<string, string> _settings;

    private LocalCluster(int silos, int gateways, int basePort, PostgresFixture? givenServer, string? givenDatabase, IReadOnlyDictionary<string, string> settings)
    {
        _settings = settings;
        Silos = silos;
        Gateways = gateways;
        _basePort = basePort;
        _givenServer = givenServer;
        _givenDatabase = givenDatabase;
        Http = new HttpClient { BaseAddress = GatewayAddress(1), Timeout = TimeSpan.FromSeconds(60) };
    }

    public int Silos { get; private set; }

    public int Gateways { get; private set; }

    /// <summary>A client of the first gateway.</summary>
    public HttpClient Http { get; }

    public string ConnectionString => _givenDatabase
        ?? $"Host=127.0.0.1;Port={_basePort + 10};Username=postgres;Database=orleansml;Timeout=15";

    /// <summary>
    /// Runs <c>cluster.sh up</c> with fresh ports and folder, and <paramref name="settings"/> (<c>OrleansMl__*</c>
    /// environment variables) for every silo and gateway; on failure everything it started is stopped.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(int silos, int gateways, IReadOnlyDictionary<string, string>? settings = null)
    {
        PostgresFixture? server = null;
        string? database = null;
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresFixture.EnvironmentVariable)))
        {
            server = new PostgresFixture();
            await server.InitializeAsync();
            database = await server.CreateDatabaseAsync();
        }

        var cluster = new LocalCluster(silos, gateways, FreePortRange(), server, database, settings ?? new Dictionary<string, string>());
        try
        {
            await cluster.UpAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public Uri GatewayAddress(int gateway) => new($"http://127.0.0.1:{_basePort + gateway - 1}");

    /// <summary>Where silo <paramref name="silo"/> serves <c>/health/*</c> and <c>/metrics</c>.</summary>
    public Uri SiloHttpAddress(int silo) => new($"http://127.0.0.1:{_basePort + 10 + silo}");

    /// <summary>
    /// <c>cluster.sh scale</c>: starts the silos and gateways missing up to the new counts and stops (SIGTERM) those
    /// above them, highest numbers first; returns once every remaining process is healthy again.
    /// </summary>
    public async Task<string> ScaleAsync(int silos, int gateways)
    {
        var text = await ScriptAsync("scale", silos.ToString(CultureInfo.InvariantCulture), gateways.ToString(CultureInfo.InvariantCulture));
        Silos = silos;
        Gateways = gateways;
        return text;
    }

    /// <summary>Starts whatever is not running (the whole cluster, or a silo that was stopped).</summary>
    public Task<string> UpAsync() => ScriptAsync("up");

    /// <summary>Stops gateways, silos (SIGTERM) and PostgreSQL, keeping the data.</summary>
    public Task<string> DownAsync() => ScriptAsync("down");

    public Task<string> StatusAsync() => ScriptAsync("status");

    /// <summary>The silo (1-based, as the script numbers them) behind an Orleans silo address.</summary>
    public int SiloNumber(SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var number = silo.Endpoint.Port - _basePort - 20;
        return number >= 1 && number <= 9 ? number : throw new ArgumentException($"{silo} is not a silo of this cluster.", nameof(silo));
    }

    public int SiloPid(int silo) => int.Parse(File.ReadAllText(Path.Combine(_folder, $"silo-{silo}.pid")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Sends a signal (KILL, TERM) to a silo process.</summary>
    public async Task SignalSiloAsync(int silo, string signal)
    {
        // bash's own kill: no procps needed.
        using var kill = Process.Start("bash", ["-c", $"kill -{signal} {SiloPid(silo).ToString(CultureInfo.InvariantCulture)}"]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Whether a process is still running (a zombie waiting to be reaped has no command line).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Length > 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether process <paramref name="pid"/> started when the script noted beside its pid file: a process of ours that
    /// died may have left its number to another test's.
    /// </summary>
    private static bool StartedAsNoted(string pidFile, int pid)
    {
        var noted = Path.ChangeExtension(pidFile, ".started");
        try
        {
            if (!File.Exists(noted))
            {
                return true;
            }

            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 && fields[19] == File.ReadAllText(noted).Trim();
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>An Orleans client of this cluster, for what REST does not show (where a grain lives).</summary>
    public async Task<IClusterClient> ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var dataSource = NpgsqlDataSource.Create(ConnectionString);
        builder.Services.AddSingleton(dataSource);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "orleansml";
                o.ServiceId = "orleansml";
            });
            client.UsePostgresClustering(dataSource);
        });
        var host = builder.Build();
        await host.StartAsync();
        _clients.Add(host);
        return host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The end of every log, for failure messages.</summary>
    public string Logs(int lines = 120)
    {
        if (!Directory.Exists(_folder))
        {
            return "";
        }

        return string.Join('\n', Directory.GetFiles(_folder, "*.log").Order().Select(file =>
            $"--- {Path.GetFileName(file)}\n{string.Join('\n', File.ReadLines(file).TakeLast(lines))}"));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        foreach (var client in _clients)
        {
            try
            {
                await client.StopAsync(TimeSpan.FromSeconds(5));
            }
            catch (OperationCanceledException)
            {
            }

            client.Dispose();
        }

        try
        {
            await ScriptAsync("down", "--wipe");
        }
        finally
        {
            // Whatever the script could not stop must not outlive the test.
            foreach (var file in Directory.Exists(_folder) ? Directory.GetFiles(_folder, "*.pid") : [])
            {
                if (int.TryParse(File.ReadAllText(file).Trim(), out var pid) && IsRunning(pid) && StartedAsNoted(file, pid))
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                }
            }

            NpgsqlConnection.ClearAllPools();
            if (_givenServer is not null)
            {
                await _givenServer.DisposeAsync();
            }

            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    private async Task<string> ScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RestApiTests.RepositoryRoot(),
        };
        start.ArgumentList.Add(Path.Combine(RestApiTests.RepositoryRoot(), "scripts", "cluster.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["CLUSTER_DIR"] = _folder;
        start.Environment["SILOS"] = Silos.ToString(CultureInfo.InvariantCulture);
        start.Environment["GATEWAYS"] = Gateways.ToString(CultureInfo.InvariantCulture);
        start.Environment["BASE_PORT"] = _basePort.ToString(CultureInfo.InvariantCulture);
        start.Environment["CONFIGURATION"] = GatewayProcess.Configuration;
        // The test runs what the suite built; it never builds while tests run.
        start.Environment["BUILD"] = "never";
        if (_givenDatabase is not null)
        {
            start.Environment["POSTGRES"] = _givenDatabase;
        }

        foreach (var (name, value) in _settings)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        // Read both streams to the end: the processes the script starts write to their own logs, not to these pipes.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{text}\n{Logs()}");
        }

        return text;
    }

    /// <summary>A random base port whose whole span is free, below the ephemeral range the OS hands out.</summary>
    private static int FreePortRange()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var basePort = Random.Shared.Next(20_000, 32_000 - PortSpan);
            if (Enumerable.Range(basePort, PortSpan).All(IsFree))
            {
                return basePort;
            }
        }

        throw new InvalidOperationException("No free range of loopback ports found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
