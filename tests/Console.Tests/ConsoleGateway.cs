using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;

namespace OrleansMl.Console.Tests;

/// <summary>A real gateway process (embedded silo, SQLite under a throwaway directory) on free ports, as a user starts it.</summary>
public sealed class ConsoleGateway : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _dataDirectory;

    private ConsoleGateway(Process process, Uri address, string dataDirectory, string? adminKey)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        if (adminKey is not null)
        {
            Http.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        }
    }

    public Uri Address { get; }

    /// <summary>A REST client of this gateway (with the admin key when one is configured).</summary>
    public HttpClient Http { get; }

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

    public static async Task<ConsoleGateway> StartAsync(string? adminKey, params string[] settings)
    {
        var data = Path.Combine(Path.GetTempPath(), "orleansml-console-tests", Guid.NewGuid().ToString("N"));
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(GatewayAssembly());
        var arguments = new List<string>
        {
            "--urls", $"http://127.0.0.1:{port}",
            $"--OrleansMl:DataDirectory={data}",
            $"--OrleansMl:SiloPort={FreePort().ToString(CultureInfo.InvariantCulture)}",
            $"--OrleansMl:GatewayPort={FreePort().ToString(CultureInfo.InvariantCulture)}",
        };
        if (adminKey is not null)
        {
            arguments.Add($"--OrleansMl:Auth:AdminKey={adminKey}");
        }

        foreach (var argument in arguments.Concat(settings))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var gateway = new ConsoleGateway(process, new Uri($"http://127.0.0.1:{port}"), data, adminKey);
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
            await gateway.DisposeAsync();
            throw;
        }

        return gateway;
    }

    /// <summary>Uploads a CSV from tests/data.</summary>
    public async Task UploadAsync(string dataset, string file)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(RepositoryRoot(), "tests", "data", file)));
        content.Headers.ContentType = new("text/csv");
        (await Http.PostAsync($"/api/datasets/{dataset}", content)).EnsureSuccessStatusCode();
    }

    /// <summary>Starts a training job and returns its version.</summary>
    public async Task<int> TrainAsync(string model, object body)
    {
        var response = await Http.PostAsJsonAsync($"/api/models/{model}/train", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<VersionNumber>())!.Version;
    }

    /// <summary>Waits until a version has ended and returns its status and metrics.</summary>
    public async Task<VersionState> WaitAsync(string model, int version)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var state = (await Http.GetFromJsonAsync<VersionState>($"/api/models/{model}/versions/{version}"))!;
            if (state.Status is "succeeded" or "failed" or "cancelled")
            {
                return state;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{model} v{version} did not end within 3 minutes.");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string GatewayAssembly()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        var path = Path.Combine(RepositoryRoot(), "Gateway", "bin", configuration, "net10.0", "OrleansMl.Gateway.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the Gateway first.", path);
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
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

        throw new TimeoutException($"The gateway was not ready within 90 s:\n{Log}");
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

    private sealed record VersionNumber(int Version);
}

/// <summary>What the tests read of a version.</summary>
public sealed record VersionState(string Status, double Progress, string Stage, Dictionary<string, double> Metrics, string? Error);
