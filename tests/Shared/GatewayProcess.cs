using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OrleansMl.Tests.Support;

/// <summary>
/// A real Gateway process in embedded mode, as a user starts it, on a given data directory and free ports (or a
/// standalone Silo process, which serves only health and metrics over HTTP). One source file, linked into every test
/// project that starts gateways, so they all start them the same way.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private GatewayProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static Task<GatewayProcess> StartAsync(string dataDirectory, params string[] settings) =>
        StartOnAsync("127.0.0.1", dataDirectory, settings);

    /// <summary>Starts a gateway listening on <paramref name="listenAddress"/> (e.g. 0.0.0.0), reached through loopback.</summary>
    public static Task<GatewayProcess> StartOnAsync(string listenAddress, string dataDirectory, params string[] settings) =>
        StartAsync(GatewayAssembly(), listenAddress, dataDirectory, settings);

    /// <summary>Starts a standalone silo (embedded storage) whose HTTP endpoints are health and metrics.</summary>
    public static Task<GatewayProcess> StartSiloAsync(string dataDirectory, params string[] settings) =>
        StartAsync(SiloAssembly(), "127.0.0.1", dataDirectory, settings);

    private static async Task<GatewayProcess> StartAsync(string assembly, string listenAddress, string dataDirectory, string[] settings)
    {
        var port = TcpPorts.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in new[]
        {
            "--urls", $"http://{listenAddress}:{port}",
            $"--OrleansMl:DataDirectory={dataDirectory}",
            $"--OrleansMl:SiloPort={TcpPorts.Free().ToString(CultureInfo.InvariantCulture)}",
            $"--OrleansMl:GatewayPort={TcpPorts.Free().ToString(CultureInfo.InvariantCulture)}",
        }.Concat(settings))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var gateway = new GatewayProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await gateway.WaitUntilReadyAsync();
        }
        catch
        {
            // A gateway that never became ready must not outlive the test.
            await gateway.DisposeAsync();
            throw;
        }

        return gateway;
    }

    /// <summary>Kills the process without any chance to clean up, like a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        // Generous: a restarted gateway resumes interrupted trainings while it starts, on cores other tests share.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // Without a timeout, WaitForExit also waits for the redirected output to be read to its end.
                _process.WaitForExit();
                throw new InvalidOperationException($"The gateway exited with code {_process.ExitCode}:\n{Log}");
            }

            try
            {
                if ((await Http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The gateway was not ready within 120 s:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    /// <summary>The build configuration of these tests, and so of the processes they start.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";

    /// <summary>The repository's root: the first folder above the test output that holds OrleansMl.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansMl.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OrleansMl.sln not found above the test output.");
    }

    public static string GatewayAssembly() => Built("Gateway", "OrleansMl.Gateway.dll");

    public static string SiloAssembly() => Built("Silo", "OrleansMl.Silo.dll");

    private static string Built(string project, string assembly)
    {
        var path = Path.Combine(RepositoryRoot(), project, "bin", Configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the {project} first.", path);
    }
}
