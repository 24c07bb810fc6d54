using Microsoft.Extensions.Hosting;
using OrleansMl.Datasets;
using OrleansMl.Predictions;
using OrleansMl.Work;

namespace OrleansMl.Diagnostics;

/// <summary>Reports this silo's training slots and caches to the observable gauges while the silo runs.</summary>
public sealed class SiloMetricsObserver(TrainingWorker training, FrameCache datasets, ModelCache models, IHostApplicationLifetime lifetime) : IHostedService
{
    private IDisposable? _observation;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _observation = OrleansMlMetrics.Observe(training, datasets, models);
        lifetime.ApplicationStarted.Register(OrleansMlMetrics.ExportZeroCounters);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _observation?.Dispose();
        return Task.CompletedTask;
    }
}
