using System.Net.Http.Json;
using OrleansMl.Tests.Support;

namespace OrleansMl.Console.Tests;

/// <summary>
/// A real gateway process (<see cref="GatewayProcess"/>: embedded silo, SQLite) on a throwaway data directory, with a
/// REST client that carries the admin key, and the calls the console tests make to give it data.
/// </summary>
public sealed class ConsoleGateway : IAsyncDisposable
{
    private readonly GatewayProcess _process;
    private readonly string _dataDirectory;

    private ConsoleGateway(GatewayProcess process, string dataDirectory, string? adminKey)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Http = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(60) };
        if (adminKey is not null)
        {
            Http.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        }
    }

    public Uri Address => _process.Address;

    /// <summary>A REST client of this gateway (with the admin key when one is configured).</summary>
    public HttpClient Http { get; }

    public string Log => _process.Log;

    public static async Task<ConsoleGateway> StartAsync(string? adminKey, params string[] settings)
    {
        var data = Path.Combine(Path.GetTempPath(), "orleansml-console-tests", Guid.NewGuid().ToString("N"));
        var arguments = adminKey is null ? settings : [$"--OrleansMl:Auth:AdminKey={adminKey}", .. settings];
        try
        {
            return new ConsoleGateway(await GatewayProcess.StartAsync(data, arguments), data, adminKey);
        }
        catch
        {
            DeleteDirectory(data);
            throw;
        }
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
        await _process.DisposeAsync();
        DeleteDirectory(_dataDirectory);
    }

    public static string RepositoryRoot() => GatewayProcess.RepositoryRoot();

    private static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    private sealed record VersionNumber(int Version);
}

/// <summary>What the tests read of a version.</summary>
public sealed record VersionState(string Status, double Progress, string Stage, Dictionary<string, double> Metrics, string? Error);
