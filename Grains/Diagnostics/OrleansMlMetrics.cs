using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansMl.Datasets;
using OrleansMl.Predictions;
using OrleansMl.Work;

namespace OrleansMl.Diagnostics;

/// <summary>
/// Every OrleansMl instrument, on one meter (<see cref="MeterName"/>), exported in Prometheus text at <c>/metrics</c>
/// of gateways and silos as <c>orleansml_*</c>. Labels stay bounded: model, version, dataset, algorithm, tool and
/// outcome names, never row values or callers. Call sites use the static helpers below.
/// </summary>
public static class OrleansMlMetrics
{
    public const string MeterName = "OrleansMl";

    // Seconds. Predictions take microseconds to a few milliseconds; tool calls milliseconds to minutes (a training
    // waited for); trainings seconds to hours.
    private static readonly double[] FastBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] ToolBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
    private static readonly double[] SlowBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

    // Versions as label text without a string per call for the common range.
    private static readonly string[] SmallVersions = Enumerable.Range(0, 1024).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static readonly Meter Meter = new(MeterName);

    private static readonly ConcurrentDictionary<TrainingWorker, bool> TrainingWorkers = new();
    private static readonly ConcurrentDictionary<FrameCache, bool> FrameCaches = new();
    private static readonly ConcurrentDictionary<ModelCache, bool> ModelCaches = new();

    private static readonly Histogram<double> TrainingDuration = Meter.CreateHistogram(
        "orleansml.training.duration", "s", "Training jobs that ended, by requested algorithm and outcome: time from the start of their last run to the end",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SlowBuckets });

    private static readonly Histogram<double> TrainingWait = Meter.CreateHistogram(
        "orleansml.training.queue.wait", "s", "Time a training job waited for one of the silo's training slots",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SlowBuckets });

    private static readonly Counter<long> TrainingResumes = Meter.CreateCounter<long>(
        "orleansml.training.resumes", null, "Unfinished training jobs picked up again by a new activation (after a crash, a restart or a lost activation)");

    private static readonly Counter<long> RemoteTrials = Meter.CreateCounter<long>(
        "orleansml.training.remote.trials", null,
        "Cross-validation fits of other silos' auto searches that this silo was asked to run, by outcome (scored, or declined: no free training slot)");

    private static readonly Histogram<double> PredictionDuration = Meter.CreateHistogram(
        "orleansml.prediction.duration", "s", "Prediction requests served by this silo, by model and version",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FastBuckets });

    private static readonly Counter<long> PredictionRows = Meter.CreateCounter<long>(
        "orleansml.prediction.rows", null, "Rows scored, by model and version");

    private static readonly Counter<long> PredictionErrors = Meter.CreateCounter<long>(
        "orleansml.prediction.errors", null, "Prediction requests that failed, by model (empty when the model does not exist) and reason");

    private static readonly Counter<long> DatasetCacheHits = Meter.CreateCounter<long>(
        "orleansml.dataset.cache.hits", null, "Trainings that found their dataset's parsed features in the silo's cache");

    private static readonly Counter<long> DatasetCacheMisses = Meter.CreateCounter<long>(
        "orleansml.dataset.cache.misses", null, "Trainings that had to parse their dataset's CSV again");

    private static readonly Counter<long> ModelLoads = Meter.CreateCounter<long>(
        "orleansml.model.cache.loads", null, "Models read from the artifact store into the silo's memory");

    private static readonly Counter<long> ModelEvictions = Meter.CreateCounter<long>(
        "orleansml.model.cache.evictions", null, "Models dropped from the silo's memory to stay within its capacity");

    private static readonly Histogram<double> ModelLoadDuration = Meter.CreateHistogram(
        "orleansml.model.load.duration", "s", "Time to read a model from the artifact store and make it ready to predict",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FastBuckets });

    private static readonly Counter<long> Uploads = Meter.CreateCounter<long>(
        "orleansml.uploads", null, "Dataset uploads accepted: created a version, or found identical content");

    private static readonly Counter<long> UploadBytes = Meter.CreateCounter<long>(
        "orleansml.upload.size", "By", "Bytes of CSV accepted into new dataset versions");

    private static readonly Counter<long> UploadRows = Meter.CreateCounter<long>(
        "orleansml.upload.rows", null, "Rows accepted into new dataset versions");

    private static readonly Counter<long> UploadRejections = Meter.CreateCounter<long>(
        "orleansml.upload.rejections", null, "Dataset uploads refused, by reason");

    private static readonly UpDownCounter<long> UploadsReceiving = Meter.CreateUpDownCounter<long>(
        "orleansml.uploads.receiving", null, "Dataset uploads and row appends this gateway is receiving now (at most OrleansMl__Limits__ConcurrentUploads)");

    private static readonly Counter<long> UploadsTurnedAway = Meter.CreateCounter<long>(
        "orleansml.uploads.turned.away", null, "Dataset uploads and row appends the gateway refused before reading them: the gateway or the caller had its most open");

    private static readonly Histogram<double> ToolDuration = Meter.CreateHistogram(
        "orleansml.mcp.tool.duration", "s", "MCP tool calls, by tool",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ToolBuckets });

    private static readonly Counter<long> ToolErrors = Meter.CreateCounter<long>(
        "orleansml.mcp.tool.errors", null, "MCP tool calls that failed, by tool and kind (forbidden, rate_limited, invalid_params, tool_error, internal, cancelled)");

    private static readonly Counter<long> RolloutRequests = Meter.CreateCounter<long>(
        "orleansml.rollout.requests", null, "Requests through an alias with a rollout running, by model, version and arm (baseline or candidate)");

    private static readonly Counter<long> RolloutDecisions = Meter.CreateCounter<long>(
        "orleansml.rollout.decisions", null, "Rollout decisions, by model and action (start, advance, promote, rollback, abort)");

    private static readonly Histogram<double> RolloutGuardValues = Meter.CreateHistogram<double>(
        "orleansml.rollout.guard.value", null, "Guard metric values seen when a rollout is checked, by model, metric and arm");

    private static readonly Histogram<long> StorageGroupWrites = Meter.CreateHistogram<long>(
        "orleansml.storage.group.writes", null, "Grain-state writes committed together in one transaction by the group-commit storage (feature entities)",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] });

    private static readonly Histogram<double> StorageGroupDuration = Meter.CreateHistogram(
        "orleansml.storage.group.duration", "s", "Time to run and commit one group of grain-state writes (the sync to disk included)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FastBuckets });

    static OrleansMlMetrics()
    {
        Meter.CreateObservableGauge("orleansml.training.jobs", ObserveJobs, null, "Training jobs on this silo, by state: queued (waiting for a slot) and running");
        Meter.CreateObservableGauge("orleansml.training.job.age.max", ObserveJobAges, "s", "Age of the oldest queued and of the oldest running training job on this silo (0 when there is none)");
        Meter.CreateObservableGauge("orleansml.dataset.cache.size", () => FrameCaches.Keys.Sum(c => c.Bytes), "By", "Parsed features held in the silo's dataset cache");
        Meter.CreateObservableGauge("orleansml.dataset.cache.capacity", () => FrameCaches.Keys.Sum(c => c.CapacityBytes), "By", "The dataset cache's budget (OrleansMl__DatasetCacheMegabytes)");
        Meter.CreateObservableGauge("orleansml.model.cache.size", () => ModelCaches.Keys.Sum(c => c.Bytes), "By", "Size of the model files whose models the silo holds in memory");
        Meter.CreateObservableGauge("orleansml.model.cache.models", () => ModelCaches.Keys.Sum(c => c.Count), null, "Models the silo holds in memory");
    }

    /// <summary>Reports this silo's training slots, dataset cache and model cache until the returned handle is disposed.</summary>
    public static IDisposable Observe(TrainingWorker training, FrameCache datasets, ModelCache models)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(datasets);
        ArgumentNullException.ThrowIfNull(models);
        TrainingWorkers[training] = true;
        FrameCaches[datasets] = true;
        ModelCaches[models] = true;
        return new Observation(() =>
        {
            TrainingWorkers.TryRemove(training, out _);
            FrameCaches.TryRemove(datasets, out _);
            ModelCaches.TryRemove(models, out _);
        });
    }

    /// <summary>
    /// Exports the counters without labels at zero, so that rates and alerts see "none yet" rather than nothing. Call
    /// once the metrics pipeline listens (after the host started).
    /// </summary>
    public static void ExportZeroCounters()
    {
        TrainingResumes.Add(0);
        RemoteTrials.Add(0, new KeyValuePair<string, object?>("outcome", "scored"));
        RemoteTrials.Add(0, new KeyValuePair<string, object?>("outcome", "declined"));
        ModelLoads.Add(0);
        ModelEvictions.Add(0);
        UploadBytes.Add(0);
        UploadRows.Add(0);
    }

    /// <summary>A group of grain-state writes committed in one transaction.</summary>
    public static void RecordStorageGroup(int writes, TimeSpan took)
    {
        StorageGroupWrites.Record(writes);
        StorageGroupDuration.Record(took.TotalSeconds);
    }

    public static void TrainingQueueWait(TimeSpan waited) => TrainingWait.Record(waited.TotalSeconds);

    public static void TrainingResumed() => TrainingResumes.Add(1);

    /// <summary>Counts a fit another silo's search asked this silo for: scored here, or declined for want of a free slot.</summary>
    public static void RemoteTrial(bool scored) =>
        RemoteTrials.Add(1, new KeyValuePair<string, object?>("outcome", scored ? "scored" : "declined"));

    /// <summary>Records a job that reached a terminal status (succeeded, failed, cancelled).</summary>
    public static void TrainingEnded(ModelVersionInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var ended = info.CompletedAt ?? info.StartedAt ?? info.CreatedAt;
        var duration = info.StartedAt is { } started ? Math.Max(0, (ended - started).TotalSeconds) : 0;
        TrainingDuration.Record(duration, new("algorithm", Lower(info.Spec.Algorithm)), new("outcome", Lower(info.Status)));
    }

    public static void Predicted(string model, int version, int rows, long startedTimestamp)
    {
        var modelTag = new KeyValuePair<string, object?>("model", model);
        var versionTag = new KeyValuePair<string, object?>("version", VersionLabel(version));
        PredictionDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, modelTag, versionTag);
        PredictionRows.Add(rows, modelTag, versionTag);
    }

    public static void RolloutRequest(string model, int version, string arm) =>
        RolloutRequests.Add(1, new("model", model), new("version", VersionLabel(version)), new("arm", arm));

    public static void RolloutDecided(string model, string action) =>
        RolloutDecisions.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("action", action));

    public static void RolloutGuardValue(string model, string metric, string arm, double value) =>
        RolloutGuardValues.Record(value, new("model", model), new("metric", metric), new("arm", arm));

    public static void PredictionFailed(string model, string reason) =>
        PredictionErrors.Add(1, new("model", model), new("reason", reason));

    public static void DatasetCacheLookup(string dataset, bool hit) =>
        (hit ? DatasetCacheHits : DatasetCacheMisses).Add(1, new KeyValuePair<string, object?>("dataset", dataset));

    public static void ModelLoaded(TimeSpan took)
    {
        ModelLoads.Add(1);
        ModelLoadDuration.Record(took.TotalSeconds);
    }

    public static void ModelEvicted() => ModelEvictions.Add(1);

    public static void UploadAccepted(DatasetUploadResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Uploads.Add(1, new KeyValuePair<string, object?>("outcome", result.Created ? "created" : "existing"));
        if (result.Created)
        {
            UploadBytes.Add(result.Version.SizeBytes);
            UploadRows.Add(result.Version.Rows);
        }
    }

    /// <summary>An upload or append took a slot (+1) or gave it back (-1).</summary>
    public static void UploadReceiving(int change) => UploadsReceiving.Add(change);

    /// <summary>An upload or append was refused before its body was read: <c>gateway</c> or <c>caller</c> had its most open.</summary>
    public static void UploadTurnedAway(string limit) => UploadsTurnedAway.Add(1, new KeyValuePair<string, object?>("limit", limit));

    public static void UploadRejected(string reason) => UploadRejections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void ToolCalled(string tool, TimeSpan took, string? errorKind)
    {
        var toolTag = new KeyValuePair<string, object?>("tool", tool);
        ToolDuration.Record(took.TotalSeconds, toolTag);
        if (errorKind is not null)
        {
            ToolErrors.Add(1, toolTag, new("kind", errorKind));
        }
    }

    /// <summary>The reason label of a domain error: its type name without "Exception", in snake case.</summary>
    public static string Reason(Exception exception) => exception switch
    {
        OrleansMlException e => SnakeCase(e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)),
        OperationCanceledException => "cancelled",
        _ => "internal",
    };

    private static IEnumerable<Measurement<int>> ObserveJobs()
    {
        yield return new(TrainingWorkers.Keys.Sum(w => w.Waiting), new KeyValuePair<string, object?>("state", "queued"));
        yield return new(TrainingWorkers.Keys.Sum(w => w.Running), new KeyValuePair<string, object?>("state", "running"));
    }

    private static IEnumerable<Measurement<double>> ObserveJobAges()
    {
        yield return new(TrainingWorkers.Keys.Select(w => w.OldestWaiting.TotalSeconds).DefaultIfEmpty().Max(), new KeyValuePair<string, object?>("state", "queued"));
        yield return new(TrainingWorkers.Keys.Select(w => w.OldestRunning.TotalSeconds).DefaultIfEmpty().Max(), new KeyValuePair<string, object?>("state", "running"));
    }

    private static string VersionLabel(int version) =>
        version >= 0 && version < SmallVersions.Length ? SmallVersions[version] : version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? $"_{char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));

    private sealed class Observation(Action end) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                end();
            }
        }
    }
}
