using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>The live health of a model: per version that served in the last hour.</summary>
/// <param name="Model">Model name.</param>
/// <param name="At">When it was read.</param>
/// <param name="Versions">Per version, newest first.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelHealth")]
public sealed record ModelHealth(
    [property: Id(0)] string Model,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] ImmutableArray<VersionHealth> Versions);

/// <summary>One version's health over its windows.</summary>
/// <param name="Version">Version number.</param>
/// <param name="Task">Binary, multiclass or regression.</param>
/// <param name="Windows">The 5-minute and 1-hour windows.</param>
/// <param name="Drift">
/// Input drift per feature over the last hour: PSI of a sample of the served rows against the histograms of the data
/// the version was trained on (stored with the version). Present once 100 rows were sampled; absent for versions
/// trained before histograms were kept. Under 0.1 is usually stable, over 0.2 a shift worth acting on.
/// </param>
[GenerateSerializer, Immutable, Alias("OrleansMl.VersionHealth")]
public sealed record VersionHealth(
    [property: Id(0)] int Version,
    [property: Id(1)] ModelTask Task,
    [property: Id(2)] ImmutableArray<HealthWindow> Windows,
    [property: Id(3)] ImmutableDictionary<string, double> Drift)
{
    /// <summary>Served rows sampled in the last hour to measure <see cref="Drift"/> (a few per request).</summary>
    [Id(4)]
    public long DriftRows { get; init; }
}

/// <summary>A version's counts over one window.</summary>
/// <param name="Window">"5m" or "1h".</param>
/// <param name="Requests">Requests served.</param>
/// <param name="Rows">Rows scored.</param>
/// <param name="Errors">Requests that failed.</param>
/// <param name="ErrorRate">Errors over all requests.</param>
/// <param name="P50Ms">Median latency (upper bound of its bucket), in milliseconds.</param>
/// <param name="P99Ms">99th percentile latency (upper bound of its bucket), in milliseconds; 10000 stands for 10 s or more.</param>
/// <param name="Labels">Classification: rows per predicted label.</param>
/// <param name="Mean">Regression: mean predicted value.</param>
/// <param name="StdDev">Regression: standard deviation of predicted values.</param>
/// <param name="Labelled">Predictions that got feedback.</param>
/// <param name="Accuracy">Classification: share of labelled predictions that were right.</param>
/// <param name="Rmse">Regression: root mean squared error of labelled predictions.</param>
/// <param name="Mae">Regression: mean absolute error of labelled predictions.</param>
/// <param name="ShadowCompared">Shadow scoring: rows compared with the answering version.</param>
/// <param name="ShadowAgreement">Shadow scoring: share of compared rows with the same answer.</param>
/// <param name="ShadowDropped">Shadow scoring: rows dropped because a silo's shadow queue was full.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.HealthWindow")]
public sealed record HealthWindow(
    [property: Id(0)] string Window,
    [property: Id(1)] long Requests,
    [property: Id(2)] long Rows,
    [property: Id(3)] long Errors,
    [property: Id(4)] double? ErrorRate,
    [property: Id(5)] double? P50Ms,
    [property: Id(6)] double? P99Ms,
    [property: Id(7)] ImmutableDictionary<string, long>? Labels,
    [property: Id(8)] double? Mean,
    [property: Id(9)] double? StdDev,
    [property: Id(10)] long Labelled,
    [property: Id(11)] double? Accuracy,
    [property: Id(12)] double? Rmse,
    [property: Id(13)] double? Mae,
    [property: Id(14)] long ShadowCompared,
    [property: Id(15)] double? ShadowAgreement,
    [property: Id(16)] long ShadowDropped)
{
    /// <summary>Shadow scoring: median time this version took to score, in milliseconds.</summary>
    [Id(17)] public double? ShadowP50Ms { get; init; }

    /// <summary>Shadow scoring: 99th percentile time this version took to score, in milliseconds.</summary>
    [Id(18)] public double? ShadowP99Ms { get; init; }

    /// <summary>Area under the ROC curve of the labelled predictions of a binary model (from feedback), when both classes were seen.</summary>
    [Id(19)] public double? Auc { get; init; }
}
