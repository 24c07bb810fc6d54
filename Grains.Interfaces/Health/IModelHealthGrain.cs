using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The live health of one model, keyed by model name: per version, sliding windows (5 minutes by the second, 1 hour by
/// the minute) of requests, errors, latency, predicted labels or values, feedback metrics and shadow agreement. Silos
/// count predictions locally and flush here about once a second; nothing here is written to storage, so after a
/// restart the windows fill again from live traffic.
/// </summary>
[Alias("OrleansMl.IModelHealthGrain")]
public interface IModelHealthGrain : IGrainWithStringKey
{
    /// <summary>Adds one silo's counts since its last flush, per version.</summary>
    [Alias("Report"), OneWay]
    Task ReportAsync(ImmutableDictionary<int, HealthCounts> counts);

    /// <summary>Joins true labels or values to the predictions they belong to (the id says which version made each).</summary>
    /// <exception cref="InvalidFeedbackException">An item is malformed (nothing is recorded).</exception>
    [Alias("RecordFeedback")]
    Task<FeedbackResult> RecordFeedbackAsync(ImmutableArray<FeedbackItem> items);

    /// <summary>Per version that served traffic in the last hour: its 5-minute and 1-hour windows.</summary>
    [Alias("GetHealth"), AlwaysInterleave]
    Task<ModelHealth> GetHealthAsync();

    /// <summary>The counts of <paramref name="version"/> since <paramref name="since"/> (at most the last hour).</summary>
    [Alias("GetCounts"), AlwaysInterleave]
    Task<HealthCounts> GetCountsAsync(int version, DateTimeOffset since);
}
