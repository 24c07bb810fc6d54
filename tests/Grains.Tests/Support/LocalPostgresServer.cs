using System.Diagnostics;
using System.Globalization;

namespace OrleansMl.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server from the installed Debian binaries (<c>/usr/lib/postgresql/&lt;major&gt;/bin</c>):
/// a fresh cluster in a temporary folder, trust authentication, loopback only, a free port, its socket in that folder.
/// PostgreSQL refuses to run as root, so under root it runs as the <c>postgres</c> user.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private const string BinariesRoot = "/usr/lib/postgresql";

    private readonly string _bin;
    private readonly bool _asPostgresUser;
    private int _stopped;

    private LocalPostgresServer(string bin, string folder, bool asPostgresUser)
    {
        _bin = bin;
        Folder = folder;
        _asPostgresUser = asPostgresUser;
    }

    public string Folder { get; }

    public int Port { get; private set; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=15";

    private string DataDirectory => Path.Combine(Folder, "data");

    private string LogFile => Path.Combine(Folder, "postgres.log");

    /// <summary>Creates and starts a server.</summary>
    /// <exception cref="InvalidOperationException">No PostgreSQL server binaries are installed, or the server did not start.</exception>
    public static async Task<LocalPostgresServer> StartAsync()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            $"No PostgreSQL server binaries under {BinariesRoot}/<major>/bin. Install them (apt-get install -y postgresql) " +
            $"or point {PostgresFixture.EnvironmentVariable} at a PostgreSQL server (an Npgsql connection string).");
        var asPostgresUser = Environment.UserName == "root";
        var folder = Path.Combine(Path.GetTempPath(), $"orleansml-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var server = new LocalPostgresServer(bin, folder, asPostgresUser);
        try
        {
            if (asPostgresUser)
            {
                await server.RunAsync("chown", ["postgres:postgres", folder], asPostgres: false);
            }

            await server.RunAsync(Path.Combine(bin, "initdb"),
                ["-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
            await server.StartOnFreePortAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAsync().AsTask().GetAwaiter().GetResult();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file may still be held for a moment after the server stopped.
        }
    }

    private async Task StartOnFreePortAsync()
    {
        // Another process may take the free port before the server binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = TcpPorts.Free();
            var settings = string.Join(' ',
                $"-p {Port}",
                "-c listen_addresses=127.0.0.1",
                $"-k {Folder}",
                // Durability is pointless for a throwaway server; skipping fsync keeps tests fast.
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                "-c max_connections=200",
                // Not UTC on purpose: nothing in the schema may depend on the session time zone.
                "-c TimeZone=America/Sao_Paulo");
            try
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", settings, "start"]);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    private async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1 || !File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            return;
        }

        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
    }

    private Task RunAsync(string program, string[] arguments) => RunAsync(program, arguments, _asPostgresUser);

    private async Task RunAsync(string program, string[] arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var prefix in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(prefix);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile) : "";
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n" +
                $"{await output}\n{await error}\n{log}");
        }
    }

    private static string? FindBinaries() =>
        Directory.Exists(BinariesRoot)
            ? Directory.GetDirectories(BinariesRoot)
                .Where(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture))
                .Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
            : null;
}
