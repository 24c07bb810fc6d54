using OrleansMl.Diagnostics;
using OrleansMl.Hosting;

namespace OrleansMl.Silo.Extensions;

/// <summary>What orchestrators and monitoring ask a silo: liveness, readiness and Prometheus metrics.</summary>
public static class SiloOperationsExtensions
{
    public static WebApplicationBuilder AddSiloOperations(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks().AddCheck<SiloReadyCheck>("silo", tags: ["ready"]);
        builder.AddOrleansMlMetrics();
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.AddConnectionLimit();
        return builder;
    }

    public static WebApplication MapSiloOperations(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Live while the process serves HTTP at all; ready only while the silo is an active cluster member.
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") });
        app.MapOrleansMlMetrics();
        return app;
    }
}
