using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Predictions;

namespace OrleansMl.Health;

/// <summary>
/// Sliding windows of one model's live counts, per version, in memory: 5 minutes by the second and 1 hour by the
/// minute. Silos flush their counts here; feedback is checked against its signed prediction id and joined to the
/// version and prediction the id names. After a restart the windows fill again from live traffic.
/// </summary>
public sealed class ModelHealthGrain(PredictionIds ids, IOptions<OrleansMlOptions> options, ModelRouteCache routes, TimeProvider time) : Grain, IModelHealthGrain
{
    private const int Seconds = 300;
    private const int Minutes = 60;
    private const int RememberedFeedback = 100_000;

    /// <summary>Sampled rows a version must have served in the last hour before its input drift is reported.</summary>
    public const int MinDriftRows = 100;
    private static readonly TimeSpan FutureSkew = TimeSpan.FromMinutes(5);

    private readonly Dictionary<int, Windows> _versions = [];
    private readonly Dictionary<int, ModelSignature?> _signatures = [];
    private readonly HashSet<int> _gone = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();

    private string Model => this.GetPrimaryKeyString();

    public Task ReportAsync(ImmutableDictionary<int, HealthCounts> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var (version, added) in counts)
        {
            Get(version).Add(now, added);
        }

        return Task.CompletedTask;
    }

    public async Task<FeedbackResult> RecordFeedbackAsync(ImmutableArray<FeedbackItem> items)
    {
        // Checked whole before anything is counted: a malformed item changes nothing.
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i] is null || string.IsNullOrEmpty(items[i].PredictionId))
            {
                throw new InvalidFeedbackException($"items[{i}] has no predictionId: send the predictionId the prediction came with.");
            }

            if (items[i].Actual.IsMissing)
            {
                throw new InvalidFeedbackException($"items[{i}] has no actual: send the true label or value (a string, number or boolean).");
            }

            // A model's labels are float32: a larger actual is no value it could have learnt or predicted, and its squared
            // error would make the version's RMSE infinite.
            if (items[i].Actual.Kind == FeatureValueKind.Number && !Features.FeatureKinds.IsFeatureNumber(items[i].Actual.Number))
            {
                throw new InvalidFeedbackException(
                    $"items[{i}].actual {items[i].Actual} is outside the float32 range (±3.4028235E+38) a model's labels are stored in: send the true value, nothing was recorded.");
            }
        }

        // Each id is read, and each actual checked against the version it names, before any item is counted: an actual
        // the model could never have predicted (a class it does not have, text for a regression) would count as a wrong
        // prediction and pull its accuracy down, enough to trip a guard and roll the alias back.
        var read = new (PredictionId Id, ModelSignature Signature)?[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            var signature = PredictionIds.PeekVersion(item.PredictionId) is { } v ? await SignatureAsync(v) : null;
            if (signature is null || ids.Read(Model, item.PredictionId, signature.Task == ModelTask.Regression) is not { } id)
            {
                continue;
            }

            if (signature.Task == ModelTask.Regression)
            {
                if (item.Actual.Kind != FeatureValueKind.Number)
                {
                    throw new InvalidFeedbackException($"The actual value of prediction '{item.PredictionId}' must be a number: version {id.Version} is a regression.");
                }
            }
            else if (!IsClass(signature, item.Actual))
            {
                throw new InvalidFeedbackException(
                    $"items[{i}].actual '{NameList.Cut(item.Actual.ToString())}' is not a class of model '{Model}' version {id.Version}: its classes are "
                    + $"{string.Join(", ", signature.Classes.Select(c => $"'{LabelValues.Decode(signature.LabelKind, c)}'"))}.");
            }

            read[i] = (id, signature);
        }

        var now = time.GetUtcNow();
        var oldest = now - options.Value.Feedback.Retention;
        int accepted = 0, unknown = 0, expired = 0, duplicate = 0;
        var second = now.ToUnixTimeSeconds();
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            if (read[i] is not { } known)
            {
                unknown++;
                continue;
            }

            var (id, signature) = known;
            var at = DateTimeOffset.FromUnixTimeMilliseconds(id.UnixMilliseconds);
            if (at > now + FutureSkew)
            {
                unknown++;
                continue;
            }

            if (at < oldest)
            {
                expired++;
                continue;
            }

            if (!Remember(item.PredictionId))
            {
                duplicate++;
                continue;
            }

            var counts = new HealthCounts { Labelled = 1 };
            if (signature.Task == ModelTask.Regression)
            {
                var error = id.Predicted - item.Actual.Number;
                counts.AbsoluteError = Math.Abs(error);
                counts.SquaredError = error * error;
            }
            else
            {
                var index = (int)id.Predicted;
                counts.Correct = index >= 0 && index < signature.Classes.Length && SameLabel(signature, index, item.Actual) ? 1 : 0;
                if (signature.Task == ModelTask.Binary && id.Probability is { } probability && signature.Classes.Length == 2)
                {
                    counts.AddScored(probability, SameLabel(signature, 1, item.Actual));
                }
            }

            Get(id.Version).Add(second, counts);
            accepted++;
        }

        return new FeedbackResult(Model, accepted, unknown, expired, duplicate);
    }

    public async Task<ModelHealth> GetHealthAsync()
    {
        var now = time.GetUtcNow();
        var second = now.ToUnixTimeSeconds();
        var versions = ImmutableArray.CreateBuilder<VersionHealth>();
        foreach (var (version, windows) in _versions.OrderByDescending(v => v.Key))
        {
            // A deleted version is no longer read or served, nor reported here (counts flushed after its deletion included):
            // this silo's routes no longer list it, or reading it finds it gone.
            var signature = await SignatureAsync(version);
            if (_gone.Contains(version) || routes.Get(Model) is { } table && !table.Routes.Servable.Contains(version))
            {
                continue;
            }

            var fiveMinutes = windows.Sum(second, TimeSpan.FromMinutes(5));
            var oneHour = windows.Sum(second, TimeSpan.FromHours(1));
            if (oneHour.IsEmpty)
            {
                continue;
            }

            var (drift, sampled) = Drift(oneHour, signature);
            versions.Add(new VersionHealth(
                version, signature?.Task ?? ModelTask.Binary,
                [Describe("5m", fiveMinutes, signature), Describe("1h", oneHour, signature)],
                drift)
            {
                DriftRows = sampled,
            });
        }

        return new ModelHealth(Model, now, versions.ToImmutable());
    }

    public Task<HealthCounts> GetCountsAsync(int version, DateTimeOffset since)
    {
        var now = time.GetUtcNow();
        var span = now - since;
        return Task.FromResult(_versions.TryGetValue(version, out var windows)
            ? windows.Sum(now.ToUnixTimeSeconds(), span < TimeSpan.Zero ? TimeSpan.Zero : span)
            : new HealthCounts());
    }

    /// <summary>
    /// PSI per input of the sampled served rows against the training data's histograms, once at least
    /// <see cref="MinDriftRows"/> rows were sampled; and how many were.
    /// </summary>
    internal static (ImmutableDictionary<string, double> Psi, long Rows) Drift(HealthCounts counts, ModelSignature? signature)
    {
        if (counts.Inputs is not { Count: > 0 } inputs || signature is null)
        {
            return (ImmutableDictionary<string, double>.Empty, 0);
        }

        var psi = ImmutableDictionary.CreateBuilder<string, double>(StringComparer.Ordinal);
        long rows = 0;
        foreach (var input in signature.Inputs)
        {
            if (input.Reference is not { } reference || !inputs.TryGetValue(input.Name, out var bins) || bins.Length != reference.Bins + 1)
            {
                continue;
            }

            var sampled = bins.Sum();
            rows = Math.Max(rows, sampled);
            if (sampled >= MinDriftRows && Histograms.Psi(reference, bins.AsSpan(0, reference.Bins), bins[^1]) is { } value)
            {
                psi[input.Name] = Math.Round(value, 4);
            }
        }

        return (psi.ToImmutable(), rows);
    }

    internal static HealthWindow Describe(string name, HealthCounts counts, ModelSignature? signature)
    {
        var regression = signature?.Task == ModelTask.Regression;
        ImmutableDictionary<string, long>? labels = null;
        double? mean = null, stdDev = null, rmse = null, mae = null;
        if (regression)
        {
            if (counts.Rows > 0)
            {
                mean = counts.Sum / counts.Rows;
                stdDev = Math.Sqrt(Math.Max(0, (counts.SumOfSquares / counts.Rows) - (mean.Value * mean.Value)));
            }

            if (counts.Labelled > 0)
            {
                rmse = Math.Sqrt(counts.SquaredError / counts.Labelled);
                mae = counts.AbsoluteError / counts.Labelled;
            }
        }
        else
        {
            var classes = signature?.Classes ?? [];
            labels = Enumerable.Range(0, counts.Labels.Length)
                .Where(k => counts.Labels[k] > 0)
                .ToImmutableDictionary(k => k < classes.Length ? classes[k] : $"#{k}", k => counts.Labels[k], StringComparer.Ordinal);
        }

        return new HealthWindow(
            name, counts.Requests, counts.Rows, counts.Errors, counts.ErrorRate,
            counts.LatencyQuantileMs(0.5), counts.LatencyQuantileMs(0.99),
            labels, mean, stdDev, counts.Labelled, regression ? null : counts.Accuracy, rmse, mae,
            counts.ShadowCompared, counts.ShadowCompared == 0 ? null : (double)counts.ShadowAgreed / counts.ShadowCompared,
            counts.ShadowDropped)
        {
            Auc = regression ? null : counts.Auc,
            ShadowP50Ms = counts.ShadowLatencyQuantileMs(0.5),
            ShadowP99Ms = counts.ShadowLatencyQuantileMs(0.99),
        };
    }

    private static bool SameLabel(ModelSignature signature, int index, FeatureValue actual)
    {
        var predicted = LabelValues.Decode(signature.LabelKind, signature.Classes[index]);
        return actual.Kind == predicted.Kind
            ? actual.Kind == FeatureValueKind.String ? string.Equals(actual.Text, predicted.Text, StringComparison.Ordinal) : actual.Number.Equals(predicted.Number)
            : string.Equals(actual.ToString(), signature.Classes[index], StringComparison.OrdinalIgnoreCase)
              || (actual.Kind == FeatureValueKind.Boolean && LabelValues.ClassOf(signature.Classes, actual.Number != 0) == index);
    }

    /// <summary>Whether <paramref name="actual"/> is one of the classes of <paramref name="signature"/>, as a prediction's label is compared with it.</summary>
    private static bool IsClass(ModelSignature signature, FeatureValue actual)
    {
        for (var k = 0; k < signature.Classes.Length; k++)
        {
            if (SameLabel(signature, k, actual))
            {
                return true;
            }
        }

        return false;
    }

    private bool Remember(string id)
    {
        if (!_seen.Add(id))
        {
            return false;
        }

        _seenOrder.Enqueue(id);
        if (_seenOrder.Count > RememberedFeedback)
        {
            _seen.Remove(_seenOrder.Dequeue());
        }

        return true;
    }

    private async ValueTask<ModelSignature?> SignatureAsync(int version)
    {
        if (_signatures.TryGetValue(version, out var known))
        {
            return known;
        }

        try
        {
            var info = await GrainFactory.GetModelVersion(Model, version).GetAsync();
            known = info.Signature;
        }
        catch (ModelVersionNotFoundException)
        {
            _gone.Add(version);
            known = null;
        }
        catch (ModelNotFoundException)
        {
            known = null;
        }

        // Only a signature is kept for good: a version that has none yet may still succeed.
        if (known is not null || _signatures.Count < 1024)
        {
            _signatures[version] = known;
        }

        return known;
    }

    private Windows Get(int version)
    {
        if (!_versions.TryGetValue(version, out var windows))
        {
            _versions[version] = windows = new Windows();
        }

        return windows;
    }

    /// <summary>One version's buckets: by the second for the last 5 minutes, by the minute for the last hour.</summary>
    private sealed class Windows
    {
        private readonly Dictionary<long, HealthCounts> _seconds = [];
        private readonly Dictionary<long, HealthCounts> _minutes = [];

        public void Add(long second, HealthCounts counts)
        {
            Bucket(_seconds, second).Add(counts);
            Bucket(_minutes, second / 60).Add(counts);
            if (_seconds.Count > Seconds + 10)
            {
                foreach (var old in _seconds.Keys.Where(s => s <= second - Seconds).ToList())
                {
                    _seconds.Remove(old);
                }
            }

            if (_minutes.Count > Minutes + 2)
            {
                foreach (var old in _minutes.Keys.Where(m => m <= (second / 60) - Minutes).ToList())
                {
                    _minutes.Remove(old);
                }
            }
        }

        /// <summary>The counts of the last <paramref name="span"/>: by the second up to 5 minutes, else by the minute (at most an hour).</summary>
        public HealthCounts Sum(long now, TimeSpan span)
        {
            var sum = new HealthCounts();
            if (span <= TimeSpan.FromSeconds(Seconds))
            {
                var from = now - (long)Math.Ceiling(span.TotalSeconds);
                foreach (var (second, counts) in _seconds)
                {
                    if (second >= from && second <= now)
                    {
                        sum.Add(counts);
                    }
                }
            }
            else
            {
                var from = (now / 60) - Math.Min(Minutes - 1, (long)Math.Ceiling(span.TotalMinutes));
                foreach (var (minute, counts) in _minutes)
                {
                    if (minute >= from && minute <= now / 60)
                    {
                        sum.Add(counts);
                    }
                }
            }

            return sum;
        }

        private static HealthCounts Bucket(Dictionary<long, HealthCounts> buckets, long key)
        {
            if (!buckets.TryGetValue(key, out var bucket))
            {
                buckets[key] = bucket = new HealthCounts();
            }

            return bucket;
        }
    }
}
