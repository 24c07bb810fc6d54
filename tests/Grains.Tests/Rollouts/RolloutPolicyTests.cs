using Microsoft.Extensions.Time.Testing;
using OrleansMl.Rollouts;

namespace OrleansMl.Tests.Rollouts;

public sealed class RolloutPolicyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AccuracyGuard_RollsBack_WithTheNumbersInTheReason()
    {
        var state = Running(guard: new RolloutGuard("accuracy", MaxDrop: 0.02, MinSamples: 200));
        var observed = new RolloutPolicy.Observation(Labelled(1000, 950), Labelled(214, 131), Labelled(214, 131));

        var decision = RolloutPolicy.Decide(state, observed, _time.GetUtcNow());

        Assert.NotNull(decision);
        Assert.Equal("rollback", decision.Action);
        Assert.Equal(0, decision.Weight);
        Assert.Equal("auto-rollback: accuracy 0.612 vs baseline 0.95 − 0.02 after 214 labelled predictions", decision.Reason);
    }

    [Fact]
    public void AucGuard_RollsBack_WhenTheCandidateRanksWorse_WithTheNumbersInTheReason()
    {
        var state = Running(guard: new RolloutGuard("auc", MaxDrop: 0.05, MinSamples: 100));
        var baseline = Scored(positives: [0.9, 0.8, 0.7], negatives: [0.1, 0.2, 0.3], times: 50);
        var candidate = Scored(positives: [0.9, 0.2, 0.7], negatives: [0.1, 0.8, 0.3], times: 20);

        var decision = RolloutPolicy.Decide(state, new(baseline, candidate, candidate), _time.GetUtcNow());

        Assert.Equal("rollback", decision?.Action);
        Assert.Equal("auto-rollback: auc 0.667 vs baseline 1 − 0.05 after 120 labelled predictions", decision!.Reason);
        Assert.NotEqual("rollback", RolloutPolicy.Decide(state, new(baseline, baseline, baseline), _time.GetUtcNow())?.Action);
        Assert.Contains("guard.maxDrop is required for auc",
            Assert.Throws<InvalidRolloutException>(() => RolloutPolicy.Validate(new RolloutRequest(2, Guard: new RolloutGuard("auc", Max: 0.9)))).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void AccuracyGuard_Holds_BeforeMinSamples_AndWithinMaxDrop()
    {
        var state = Running(guard: new RolloutGuard("accuracy", MaxDrop: 0.02, MinSamples: 200));

        Assert.Null(RolloutPolicy.Decide(state, new(Labelled(1000, 950), Labelled(199, 10), Labelled(199, 10)), _time.GetUtcNow()));
        Assert.Null(RolloutPolicy.Decide(state with { StepAfter = new RolloutStepAfter(Samples: 10_000) },
            new(Labelled(1000, 950), Labelled(300, 280), Labelled(300, 280)), _time.GetUtcNow()));
    }

    [Fact]
    public void Canary_AdvancesAfterSamplesAndDuration_ThenPromotesAt100()
    {
        var state = Running(guard: new RolloutGuard("accuracy", MaxDrop: 0.05, MinSamples: 50)) with
        {
            StepAfter = new RolloutStepAfter(Samples: 50, Duration: TimeSpan.FromMinutes(5)),
        };
        var good = new RolloutPolicy.Observation(Labelled(500, 470), Labelled(60, 57), Labelled(60, 57));

        Assert.Null(RolloutPolicy.Decide(state, good, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(5));
        var advance = RolloutPolicy.Decide(state, good, _time.GetUtcNow());
        Assert.Equal(("advance", 50), (advance?.Action, advance?.Weight));

        var atFifty = state with { Weight = 50, StepStartedAt = _time.GetUtcNow() };
        Assert.Null(RolloutPolicy.Decide(atFifty, new(Labelled(500, 470), Labelled(60, 57), Labelled(10, 10)), _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(5));
        var promote = RolloutPolicy.Decide(atFifty, good, _time.GetUtcNow());
        Assert.Equal(("promote", 100), (promote?.Action, promote?.Weight));
        Assert.StartsWith("promoted: 60 labelled predictions", promote!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorRateAndLatencyGuards_RollBackAboveMax()
    {
        var failing = new HealthCounts { Requests = 90, Errors = 10 };
        var slow = new HealthCounts { Requests = 100 };
        slow.Latency[^1] = 100;

        var errors = RolloutPolicy.Decide(Running(guard: new RolloutGuard("errorRate", Max: 0.05, MinSamples: 50)), new(new(), failing, failing), _time.GetUtcNow());
        var latency = RolloutPolicy.Decide(Running(guard: new RolloutGuard("p99", Max: 50, MinSamples: 50)), new(new(), slow, slow), _time.GetUtcNow());

        Assert.Equal("auto-rollback: error rate 0.1 above max 0.05 after 100 requests", errors?.Reason);
        Assert.Equal("rollback", latency?.Action);
    }

    [Fact]
    public void RequestsSlowerThanTheLastLatencyBucket_ReadAsItsBound_InHealthAndInTheDecision()
    {
        var slow = new HealthCounts { Requests = 100 };
        slow.Latency[^1] = 100;
        slow.ShadowLatency[^1] = 100;

        var latency = RolloutPolicy.Decide(Running(guard: new RolloutGuard("p99", Max: 50, MinSamples: 50)), new(new(), slow, slow), _time.GetUtcNow());

        Assert.Equal((10_000.0, 10_000.0), (slow.LatencyQuantileMs(0.99), slow.LatencyQuantileMs(0.5)));
        Assert.Equal(10_000.0, slow.ShadowLatencyQuantileMs(0.99));
        Assert.Equal(10_000.0, latency?.CandidateValue);
        Assert.Contains("p99 10000 ms above max 50 ms", latency?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Shadow_NeverAdvances_AndEndedRolloutsDecideNothing()
    {
        var observed = new RolloutPolicy.Observation(Labelled(100, 100), Labelled(100, 100), Labelled(100, 100));
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Null(RolloutPolicy.Decide(Running() with { Mode = RolloutMode.Shadow, Weight = 0 }, observed, _time.GetUtcNow()));
        Assert.Null(RolloutPolicy.Decide(Running() with { Status = RolloutStatus.Aborted }, observed, _time.GetUtcNow()));
    }

    [Theory]
    [InlineData(0, null, "weight must be between 1 and 99")]
    [InlineData(null, new[] { 50, 10, 100 }, "ascending order")]
    [InlineData(null, new[] { 10, 50 }, "steps must end at 100")]
    public void Validate_NamesTheBadField(int? weight, int[]? steps, string expected)
    {
        var error = Assert.Throws<InvalidRolloutException>(() => RolloutPolicy.Validate(
            new RolloutRequest(2, Weight: weight, Steps: steps is null ? default : [.. steps])));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accuracy")]
    [InlineData("auc")]
    [InlineData("rmse")]
    public void Validate_RefusesAFeedbackGuardOnAShadow_WhoseAnswersGetNoFeedback(string metric)
    {
        var error = Assert.Throws<InvalidRolloutException>(() => RolloutPolicy.Validate(
            new RolloutRequest(2, Mode: RolloutMode.Shadow, Guard: new RolloutGuard(metric, MaxDrop: 0.02))));

        Assert.Equal($"guard.metric '{metric}' cannot guard a shadow rollout, whose answers get no feedback: use errorRate or p99.", error.Message);
        RolloutPolicy.Validate(new RolloutRequest(2, Mode: RolloutMode.Shadow, Guard: new RolloutGuard("p99", Max: 50)));
    }

    [Fact]
    public void Validate_RejectsAGuardWithoutItsThreshold()
    {
        var accuracy = Assert.Throws<InvalidRolloutException>(() => RolloutPolicy.Validate(new RolloutRequest(2, Guard: new RolloutGuard("accuracy", Max: 0.9))));
        var unknown = Assert.Throws<InvalidRolloutException>(() => RolloutPolicy.Validate(new RolloutRequest(2, Guard: new RolloutGuard("f1", MaxDrop: 0.1))));

        Assert.Contains("guard.maxDrop is required for accuracy", accuracy.Message, StringComparison.Ordinal);
        Assert.Contains("'f1' is not one of", unknown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accuracy", 1.5, null, "guard.maxDrop for accuracy must be at most 1 (got 1.5)")]
    [InlineData("auc", 0.02, 0.9, "guard.max is not taken for auc")]
    [InlineData("errorRate", 0.1, 0.05, "guard.maxDrop is not taken for errorRate")]
    [InlineData("errorRate", null, 1.0, "guard.max for errorRate must be below 1 (got 1)")]
    [InlineData("p99", null, 10000.0, "guard.max for p99 must be below 10000 ms (got 10000)")]
    [InlineData("p99", null, double.NaN, "guard.max must be a finite number, not negative (got NaN)")]
    [InlineData("rmse", double.PositiveInfinity, null, "guard.maxDrop must be a finite number, not negative (got Infinity)")]
    [InlineData("mae", -0.1, null, "guard.maxDrop must be a finite number, not negative (got -0.1)")]
    public void ValidateGuard_RefusesAGuardThatCouldNeverBeBreached_OrTakesAThresholdItIgnores(string metric, double? maxDrop, double? max, string expected)
    {
        var guard = new RolloutGuard(metric, maxDrop, max);

        var alone = Assert.Throws<InvalidRolloutException>(() => RolloutPolicy.ValidateGuard(guard));
        var inARollout = Assert.Throws<InvalidRolloutException>(() => RolloutPolicy.Validate(new RolloutRequest(2, Guard: guard)));

        Assert.Contains(expected, alone.Message, StringComparison.Ordinal);
        Assert.Equal(alone.Message, inARollout.Message);
    }

    [Theory]
    [InlineData(0L, null, "stepAfter.samples must be at least 1 (got 0).")]
    [InlineData(null, -5.0, "stepAfter.duration must not be negative (got -5 seconds).")]
    [InlineData(-1L, -5.0, "stepAfter.samples must be at least 1 (got -1).")]
    [InlineData(null, 2592001.0, "stepAfter.duration must be at most 30 days (got 2592001 seconds); a rollout advances once every step has lasted it.")]
    [InlineData(null, 922337203685.0, "stepAfter.duration must be at most 30 days (got 922337203685 seconds)")]
    public void Validate_NamesTheStepAfterFieldThatIsWrong_AndItsValue(long? samples, double? seconds, string expected)
    {
        var stepAfter = new RolloutStepAfter(samples, seconds is { } s ? TimeSpan.FromSeconds(s) : null);

        var error = Assert.Throws<InvalidRolloutException>(() => RolloutPolicy.Validate(new RolloutRequest(2, StepAfter: stepAfter)));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accuracy", 1.0, null)]
    [InlineData("rmse", 5.0, 80.0)]
    [InlineData("errorRate", null, 0.0)]
    [InlineData("p99", null, 250.0)]
    public void ValidateGuard_TakesEveryGuardItCanHold(string metric, double? maxDrop, double? max) =>
        RolloutPolicy.ValidateGuard(new RolloutGuard(metric, maxDrop, max));

    private RolloutState Running(RolloutGuard? guard = null) => new(
        "production", 1, 2, RolloutMode.Canary, RolloutStatus.Running, 10, [10, 50, 100], null, null, guard,
        _time.GetUtcNow(), _time.GetUtcNow(), null, []);

    private static HealthCounts Scored(double[] positives, double[] negatives, int times)
    {
        var counts = new HealthCounts();
        for (var i = 0; i < times; i++)
        {
            foreach (var p in positives)
            {
                counts.AddScored(p, positive: true);
            }

            foreach (var p in negatives)
            {
                counts.AddScored(p, positive: false);
            }
        }

        counts.Requests = counts.Labelled = times * (positives.Length + negatives.Length);
        return counts;
    }

    private static HealthCounts Labelled(long labelled, long correct) => new() { Requests = labelled, Labelled = labelled, Correct = correct };
}
