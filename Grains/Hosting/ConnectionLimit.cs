using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace OrleansMl.Hosting;

/// <summary>
/// The connections one process's web server keeps open (section <c>OrleansMl:Limits</c>): a gateway's API, MCP and
/// console, or a silo's health and metrics endpoints.
/// </summary>
public sealed class ConnectionLimitOptions
{
    public const string SectionName = "OrleansMl:Limits";

    /// <summary>
    /// Connections one process keeps open at once, each one's requests answered in turn (<c>OrleansMl__Limits__Connections</c>;
    /// Kestrel's <c>MaxConcurrentConnections</c>, and its limit of upgraded ones such as the console's WebSockets). One
    /// more is closed as soon as it is accepted, without an answer, and counted in <c>kestrel_rejected_connections_total</c>.
    /// An open connection holds about 20 KB while it waits for its next request, up to Kestrel's keep-alive timeout
    /// (130 s). 0 turns the limit off.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "OrleansMl:Limits:Connections must be 0 (off) or more; set OrleansMl__Limits__Connections.")]
    public int Connections { get; set; } = 10_000;
}

public static class ConnectionLimitExtensions
{
    /// <summary>Bounds the open connections of this process's web server by <see cref="ConnectionLimitOptions.Connections"/>.</summary>
    public static IHostApplicationBuilder AddConnectionLimit(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ConnectionLimitOptions>()
            .BindConfiguration(ConnectionLimitOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ConnectionLimitOptions>>((kestrel, options) =>
        {
            // Reading the value validates it: a wrong one stops the start with a message naming the setting.
            long? limit = options.Value.Connections == 0 ? null : options.Value.Connections;
            kestrel.Limits.MaxConcurrentConnections = limit;
            kestrel.Limits.MaxConcurrentUpgradedConnections = limit;
        });
        return builder;
    }
}
