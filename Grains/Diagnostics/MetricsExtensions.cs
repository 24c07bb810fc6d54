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

    /// <summary>Per-operation metrics on a silo: predictions and uploads, training slots and caches.</summary>
    public static ISiloBuilder AddOrleansMlSiloMetrics(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddIncomingGrainCallFilter<OperationMetricsFilter>();
        silo.Services.AddHostedService<SiloMetricsObserver>();
        return silo;
    }
}
