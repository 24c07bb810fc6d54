using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Predictions;

namespace OrleansMl.Health;

/// <summary>
/// Scores a shadow rollout's candidate on the rows its baseline answered, off the request path: a bounded per-silo
/// queue (<see cref="RolloutOptions.ShadowQueueCapacity"/>; a request that finds it full is not shadowed and is counted
/// as dropped) read by one loop that owns the candidate's predictors, and compares both answers.
/// </summary>
public sealed partial class ShadowScorer : BackgroundService
{
    private readonly Channel<Work> _queue;
    private readonly PredictionStats _stats;
    private readonly ModelCache _models;
    private readonly IGrainFactory _grains;
    private readonly ILogger<ShadowScorer> _logger;
    private readonly Dictionary<(string, int), ModelPredictor> _predictors = [];

    public ShadowScorer(PredictionStats stats, ModelCache models, IGrainFactory grains, IOptions<OrleansMlOptions> options, ILogger<ShadowScorer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _stats = stats;
        _models = models;
        _grains = grains;
        _logger = logger;
        _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(options.Value.Rollouts.ShadowQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
    }

    /// <summary>Queues <paramref name="batch"/> for <paramref name="candidate"/>; false (and counted) when the queue is full.</summary>
    public bool Offer(string model, int candidate, PredictionBatch batch, BatchPrediction answered)
    {
        if (_queue.Writer.TryWrite(new Work(model, candidate, batch, answered)))
        {
            return true;
        }

        _stats.ShadowDropped(model, candidate);
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await ScoreAsync(work);
                }
                catch (Exception ex)
                {
                    _stats.Failed(work.Model, work.Candidate);
                    LogShadowFailed(_logger, ex, work.Model, work.Candidate);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is not scored.
        }
    }

    private async Task ScoreAsync(Work work)
    {
        if (!_predictors.TryGetValue((work.Model, work.Candidate), out var predictor))
        {
            var loaded = await _models.GetAsync(work.Model, work.Candidate, async () =>
            {
                var info = await _grains.GetModelVersion(work.Model, work.Candidate).GetAsync();
                return info is { ArtifactHash: { } hash, Signature: { } signature }
                    ? (hash, signature)
                    : throw new VersionNotReadyException($"Version {work.Candidate} of model '{work.Model}' has no trained model to load.");
            });
            if (_predictors.Count >= 16)
            {
                _predictors.Clear();
            }

            predictor = loaded.CreatePredictor();
            _predictors[(work.Model, work.Candidate)] = predictor;
        }

        var started = Stopwatch.GetTimestamp();
        var scored = predictor.Predict(work.Batch);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var answered = work.Answered;
        var agreed = 0;
        for (var r = 0; r < scored.Count; r++)
        {
            if (answered.Task == ModelTask.Regression)
            {
                var (a, b) = (answered.Scores[r], scored.Scores[r]);
                agreed += Math.Abs(a - b) <= 0.01 * Math.Max(Math.Abs(a), Math.Abs(b)) ? 1 : 0;
            }
            else
            {
                agreed += string.Equals(answered.Classes[answered.Labels[r]], predictor.Signature.Classes[scored.Labels[r]], StringComparison.Ordinal) ? 1 : 0;
            }
        }

        _stats.Shadowed(work.Model, work.Candidate, scored.Count, agreed, elapsed);
    }

    private sealed record Work(string Model, int Candidate, PredictionBatch Batch, BatchPrediction Answered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shadow scoring of model {Model} version {Version} failed")]
    private static partial void LogShadowFailed(ILogger logger, Exception exception, string model, int version);
}
