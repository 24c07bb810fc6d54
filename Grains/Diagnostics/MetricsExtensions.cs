using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace OrleansMl.Diagnostics;

/// <summary>Prometheus <c>/metrics</c> for every OrleansMl process (gateways and silos) through OpenTelemetry.</summary>
public static class MetricsExtensions
{
    /// <summary>The meters a scrape shows: OrleansMl's own, Orleans', the .NET runtime's, and ASP.NET Core's HTTP server.</summary>
    public static readonly IReadOnlyList<string> Meters =
    [
        OrleansMlMetrics.MeterName,
        "Microsoft.Orleans",
        "System.Runtime",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
    ];

    /// <summary>Collects <see cref="Meters"/> for the Prometheus scraping endpoint.</summary>
    public static IHostApplicationBuilder AddOrleansMlMetrics(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddMeter([.. Meters])
                .AddPrometheusExporter());
        return builder;
    }

    /// <summary>Prometheus text format at <c>/metrics</c>; the returned builder lets a host put access rules on the route.</summary>
    public static IEndpointConventionBuilder MapOrleansMlMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPrometheusScrapingEndpoint("/metrics");
    }

    /// <summary>
    /// Metrics of a silo's training slots and caches. Predictions and uploads are counted by the grains that serve them:
    /// an incoming grain call filter would put every grain call of the silo through Orleans' filter pipeline.
    /// </summary>
    public static ISiloBuilder AddOrleansMlSiloMetrics(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddHostedService<SiloMetricsObserver>();
        return silo;
    }
}
