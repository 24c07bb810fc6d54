using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests;

/// <summary>The real gateway (with its co-hosted silo) on a throwaway data directory and free ports.</summary>
public class GatewayFactory : WebApplicationFactory<Program>
{
    public string DataDirectory { get; init; } = NewDataDirectory();

    /// <summary>Leaves the data directory behind on dispose, for a gateway started on it next (a restart).</summary>
    public bool KeepDataDirectory { get; init; }

    /// <summary>Host names the gateway accepts ("*": any, as the in-memory test server calls itself "localhost").</summary>
    public string AllowedHosts { get; init; } = "*";

    /// <summary>More settings for this gateway, e.g. <c>OrleansMl:Auth:AdminKey</c>.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Replaces services after the gateway registered its own (e.g. the token signing key of a test).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>The host environment (default: the test host's Development, where some framework defaults differ from a deployment's).</summary>
    public string? EnvironmentName { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("OrleansMl:DataDirectory", DataDirectory);
        builder.UseSetting("OrleansMl:SiloPort", TcpPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("OrleansMl:GatewayPort", TcpPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("OrleansMl:MaxUploadMegabytes", "1");
        builder.UseSetting("OrleansMl:TrainingConcurrency", "1");
        builder.UseSetting("Mcp:MaxCsvKilobytes", "256");
        builder.UseSetting("AllowedHosts", AllowedHosts);
        foreach (var (name, value) in Settings)
        {
            builder.UseSetting(name, value);
        }

        if (EnvironmentName is { } environment)
        {
            builder.UseEnvironment(environment);
        }

        if (TestServices is { } services)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>
    /// Starts the gateway, and when it does not start, throws with the reason its host logged. The gateway's own
    /// entry point catches a start failure and exits, after which the framework only reports a disposed service
    /// provider.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var failure = new StartFailureLog();
        builder.ConfigureLogging(logging => logging.AddProvider(failure));
        var host = base.CreateHost(builder);
        if (failure.Error is { } error)
        {
            throw new InvalidOperationException($"The gateway did not start: {error.Message}", error);
        }

        return host;
    }

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "orleansml-gateway-tests", Guid.NewGuid().ToString("N"));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        if (KeepDataDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFactory>
{
    public const string Name = "gateway";
}

/// <summary>Keeps the exception the host logs when it fails to start.</summary>
internal sealed class StartFailureLog : ILoggerProvider
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    public Exception? Error { get; private set; }

    public ILogger CreateLogger(string categoryName) => categoryName == HostCategory ? new HostLogger(this) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class HostLogger(StartFailureLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error && exception is not null)
            {
                log.Error ??= exception;
            }
        }
    }
}
