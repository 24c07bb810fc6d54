using System.Globalization;
using System.Text;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Schedules;

/// <summary>
/// Schedules on a silo whose schedule clock is fake: time is moved, then the reminder's own method is called, so each
/// due time is exact. Models really train.
/// </summary>
[Collection(ScheduleCollection.Name)]
public sealed class ScheduleTests(ScheduleFixture fixture)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task NewData_TrainsOnce_SkipsWithTheReason_ThenTrainsAgainAfterANewDatasetVersion()
    {
        var (model, dataset) = (TestData.Name("sched-new"), TestData.Name("sched-new-data"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(300));
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);
        await schedule.SetAsync(new ScheduleRequest(Hour, dataset, "label", TrainingAlgorithm.Linear, Trigger: ScheduleTrigger.NewData));

        fixture.Time.Advance(Hour);
        var first = await schedule.RunDueAsync();
        Assert.True(first!.Decision == ScheduleRun.Training, first.Reason);
        Assert.Equal((1, 1), (first.DatasetVersion, first.Version));
        var trained = await RunEndedAsync(schedule, first.Due);
        Assert.Equal(ScheduleRun.Trained, trained.Decision);
        Assert.Matches(@"^trained v1: auc (0\.\d+|1)$", trained.Reason);
        Assert.Equal(("none", 1), (trained.Then, (await Client.GetGrain<IModelGrain>(model).GetVersionAsync(1)).Spec.DatasetVersion));

        fixture.Time.Advance(Hour);
        var skipped = await schedule.RunDueAsync();
        Assert.Equal((ScheduleRun.Skipped, "skipped: no new rows since v1", 1), (skipped!.Decision, skipped.Reason, skipped.DatasetVersion));

        await Client.UploadDatasetAsync(dataset, TestData.Binary(320, seed: 5));
        fixture.Time.Advance(Hour);
        var second = await schedule.RunDueAsync();
        Assert.Equal((ScheduleRun.Training, 2, 2), (second!.Decision, second.DatasetVersion, second.Version));
        Assert.Equal(ScheduleRun.Trained, (await RunEndedAsync(schedule, second.Due)).Decision);
        Assert.Equal(2, (await Client.GetGrain<IModelGrain>(model).GetVersionAsync(2)).Spec.DatasetVersion);

        var runs = (await schedule.GetRunsAsync()).Runs;
        Assert.Equal([ScheduleRun.Trained, ScheduleRun.Skipped, ScheduleRun.Trained], runs.Select(r => r.Decision).ToArray());
        Assert.Equal(second.Due, runs[0].Due);
    }

    [Fact]
    public async Task TicksForAnAnsweredDueTime_DoNothing_EvenWhenTheyComeTogether()
    {
        var (model, dataset) = (TestData.Name("sched-once"), TestData.Name("sched-once-data"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(300));
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);
        var set = await schedule.SetAsync(new ScheduleRequest(Hour, dataset, "label", TrainingAlgorithm.Linear));

        Assert.Null(await schedule.RunDueAsync());
        fixture.Time.Advance(Hour);
        var ticks = await Task.WhenAll(schedule.RunDueAsync(), schedule.RunDueAsync(), schedule.RunDueAsync());
        var again = await schedule.RunDueAsync();

        var run = Assert.Single(ticks, t => t is not null);
        Assert.Null(again);
        Assert.Equal(set.NextRunAt, run!.Due);
        await RunEndedAsync(schedule, run.Due);
        Assert.Single((await schedule.GetRunsAsync()).Runs);
        Assert.Equal(1, (await Client.GetGrain<IModelGrain>(model).GetSummaryAsync()).VersionCount);
        Assert.Equal(set.NextRunAt + Hour, (await schedule.GetAsync()).NextRunAt);
    }

    [Fact]
    public async Task RunsMissedForHours_RunOnce_AndTheNextIsDueOnePeriodFromNow()
    {
        var (model, dataset) = (TestData.Name("sched-late"), TestData.Name("sched-late-data"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(300));
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);
        var set = await schedule.SetAsync(new ScheduleRequest(Hour, dataset, "label", TrainingAlgorithm.Linear));

        fixture.Time.Advance(TimeSpan.FromHours(5.5));
        var run = await schedule.RunDueAsync();

        Assert.Equal(set.NextRunAt, run!.Due);
        Assert.Null(await schedule.RunDueAsync());
        Assert.Equal(fixture.Time.GetUtcNow() + Hour, (await schedule.GetAsync()).NextRunAt);
        await RunEndedAsync(schedule, run.Due);
        Assert.Single((await schedule.GetRunsAsync()).Runs);
    }

    [Fact]
    public async Task PromoteIfBetter_PromotesABetterVersion_AndKeepsProductionWhenTheNewOneIsWorse_SayingWhy()
    {
        var (model, clean, noisy) = (TestData.Name("sched-promote"), TestData.Name("sched-clean"), TestData.Name("sched-noisy"));
        await Client.UploadDatasetAsync(clean, TestData.Binary(400));
        await Client.UploadDatasetAsync(noisy, Noisy(400));
        var registry = Client.GetGrain<IModelGrain>(model);
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);

        // No production yet: the first trained version is promoted.
        await schedule.SetAsync(new ScheduleRequest(Hour, noisy, "label", TrainingAlgorithm.Linear, Then: ScheduleThen.PromoteIfBetter));
        fixture.Time.Advance(Hour);
        var first = await RunEndedAsync(schedule, (await schedule.RunDueAsync())!.Due);
        Assert.Equal(("promoted", "promoted: the model had no production version"), (first.Then, first.ThenReason));
        Assert.Equal(1, (await registry.GetSummaryAsync()).Aliases["production"]);

        // Trained on clean data: better than production (noisy), so promoted, with the numbers.
        await schedule.SetAsync(new ScheduleRequest(Hour, clean, "label", TrainingAlgorithm.Linear, Then: ScheduleThen.PromoteIfBetter));
        fixture.Time.Advance(Hour);
        var better = await RunEndedAsync(schedule, (await schedule.RunDueAsync())!.Due);
        Assert.Equal("promoted", better.Then);
        Assert.Matches(@"^promoted: auc (0\.\d+|1) > production 0\.\d+ \(v1\)$", better.ThenReason);
        var info = await registry.GetAsync();
        Assert.Equal(2, info.Aliases["production"]);
        Assert.Equal(("schedule:" + model, better.ThenReason), (info.AliasHistory[^1].By, info.AliasHistory[^1].Reason));

        // Trained on noisy data again: worse than production (clean), so not promoted, with the numbers.
        await schedule.SetAsync(new ScheduleRequest(Hour, noisy, "label", TrainingAlgorithm.Linear, Then: ScheduleThen.PromoteIfBetter));
        fixture.Time.Advance(Hour);
        var worse = await RunEndedAsync(schedule, (await schedule.RunDueAsync())!.Due);
        Assert.Equal(("trained", "notPromoted"), (worse.Decision, worse.Then));
        Assert.Matches(@"^not promoted: auc 0\.\d+ < production (0\.\d+|1) \(v2\)$", worse.ThenReason);
        Assert.Equal(2, (await registry.GetSummaryAsync()).Aliases["production"]);
    }

    [Fact]
    public async Task ThenRollout_StartsARolloutOfTheTrainedVersion_AgainstProduction()
    {
        var (model, dataset) = (TestData.Name("sched-roll"), TestData.Name("sched-roll-data"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(300));
        var registry = Client.GetGrain<IModelGrain>(model);
        await Eventually.TerminalAsync(Client, model, (await registry.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear))).Version);
        await registry.SetAliasAsync("production", 1);
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);
        await schedule.SetAsync(new ScheduleRequest(
            Hour, dataset, "label", TrainingAlgorithm.Linear, Then: ScheduleThen.Rollout,
            Rollout: new ScheduleRollout("production", RolloutMode.Canary, [20, 100], Guard: new RolloutGuard("errorRate", Max: 0.05))));

        fixture.Time.Advance(Hour);
        var run = await RunEndedAsync(schedule, (await schedule.RunDueAsync())!.Due);

        Assert.Equal(("rolloutStarted", 2), (run.Then, run.Version));
        Assert.StartsWith("rollout started: canary of version 2 at 20% against version 1", run.ThenReason, StringComparison.Ordinal);
        var rollout = await registry.GetRolloutAsync();
        Assert.Equal((RolloutStatus.Running, 2, 1, "production"), (rollout.Status, rollout.Candidate, rollout.Baseline, rollout.Alias));
        await registry.AbortRolloutAsync("test done");
    }

    [Fact]
    public async Task Drift_SkipsOnResampledData_AndTrainsOnShiftedData_MeasuredAgainstProductionsTrainingData()
    {
        var (model, dataset) = (TestData.Name("sched-drift"), TestData.Name("sched-drift-data"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(400));
        var registry = Client.GetGrain<IModelGrain>(model);
        await Eventually.TerminalAsync(Client, model, (await registry.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear))).Version);
        await registry.SetAliasAsync("production", 1);
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);
        var set = await schedule.SetAsync(new ScheduleRequest(Hour, dataset, "label", TrainingAlgorithm.Linear, Trigger: ScheduleTrigger.Drift));
        Assert.Equal(ScheduleRequest.DefaultDriftThreshold, set.Schedule.DriftThreshold);

        // Nothing new: production was trained on the newest version.
        fixture.Time.Advance(Hour);
        var same = await schedule.RunDueAsync();
        Assert.Equal((ScheduleRun.Skipped, "skipped: production v1 was trained on v1, the newest version"), (same!.Decision, same.Reason));

        // The same distribution, other rows: a small PSI, below the threshold.
        await Client.UploadDatasetAsync(dataset, TestData.Binary(400, seed: 2));
        fixture.Time.Advance(Hour);
        var resampled = await schedule.RunDueAsync();
        Assert.Equal((ScheduleRun.Skipped, 2), (resampled!.Decision, resampled.DatasetVersion));
        Assert.Matches(@"^skipped: max PSI 0(\.\d+)? < 0\.2 \('[a-z0-9]+', v2 against v1\)$", resampled.Reason);

        // Shifted features: a large PSI, so it trains, and says why.
        await Client.UploadDatasetAsync(dataset, Shifted(400));
        fixture.Time.Advance(Hour);
        var shifted = await schedule.RunDueAsync();
        Assert.True(shifted!.Decision == ScheduleRun.Training, shifted.Reason);
        Assert.Matches(@"^max PSI \d+(\.\d+)? ≥ 0\.2 \('x[12]', v3 against v1\)$", shifted.TriggeredBy);
        var trained = await RunEndedAsync(schedule, shifted.Due);
        Assert.Equal((ScheduleRun.Trained, 2, 3), (trained.Decision, trained.Version, trained.DatasetVersion));
        Assert.Matches(@"^trained v2: auc (0\.\d+|1) \(max PSI .+\)$", trained.Reason);
    }

    [Fact]
    public async Task Drift_MeasuresOnlyTheColumnsProductionReads_AndRunsTrainOnTheSchedulesFeatures()
    {
        var (model, dataset) = (TestData.Name("sched-inputs"), TestData.Name("sched-inputs-data"));
        await Client.UploadDatasetAsync(dataset, Moved(400, x1Shift: 0, x2Shift: 0, seed: 5));
        var registry = Client.GetGrain<IModelGrain>(model);
        await Eventually.TerminalAsync(Client, model, (await registry.TrainAsync(
            new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear, Features: ["x1", "color"]))).Version);
        await registry.SetAliasAsync("production", 1);
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);
        var set = await schedule.SetAsync(new ScheduleRequest(Hour, dataset, "label", TrainingAlgorithm.Linear, Trigger: ScheduleTrigger.Drift) { Features = ["x1", "color"] });
        Assert.Equal(["x1", "color"], set.Schedule.Features.ToArray());

        // x2 (which production does not read) moves far: no run, and the reason names a column production reads.
        await Client.UploadDatasetAsync(dataset, Moved(400, x1Shift: 0, x2Shift: 5, seed: 6));
        fixture.Time.Advance(Hour);
        var unread = await schedule.RunDueAsync();
        Assert.True((ScheduleRun.Skipped, 2) == (unread!.Decision, unread.DatasetVersion), unread.TriggeredBy ?? unread.Reason);
        Assert.Matches(@"^skipped: max PSI 0(\.\d+)? < 0\.2 \('(x1|color)', v2 against v1\)$", unread.Reason);
        Assert.True((await Client.GetGrain<IDatasetGrain>(dataset).GetDriftAsync(2, 1)).Columns.Single(c => c.Column == "x2").Psi > 1,
            "x2 itself drifted far");

        // x1 moves: the run trains, on the schedule's features only.
        await Client.UploadDatasetAsync(dataset, Moved(400, x1Shift: 5, x2Shift: 5, seed: 7));
        fixture.Time.Advance(Hour);
        var read = await schedule.RunDueAsync();
        Assert.True(read!.Decision == ScheduleRun.Training, read.Reason);
        Assert.Matches(@"\('x1', v3 against v1\)$", read.TriggeredBy);
        var trained = await RunEndedAsync(schedule, read.Due);
        Assert.True(trained.Decision == ScheduleRun.Trained, trained.Reason);
        var version = await registry.GetVersionAsync(trained.Version!.Value);
        Assert.Equal(["x1", "color"], version.Spec.Features.ToArray());
        Assert.Equal(["color", "x1"], version.Signature!.Inputs.Where(i => i.Kind != ColumnKind.Ignored).Select(i => i.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task BadSchedules_AreRefusedWithTheReason_AndChangeNothing()
    {
        var (model, dataset) = (TestData.Name("sched-bad"), TestData.Name("sched-bad-data"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(300));
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);
        var good = new ScheduleRequest(Hour, dataset, "label", TrainingAlgorithm.Linear);
        await Assert.ThrowsAsync<ScheduleNotFoundException>(schedule.GetAsync);
        var set = await schedule.SetAsync(good);

        var tooOften = await Assert.ThrowsAsync<InvalidScheduleException>(() => schedule.SetAsync(good with { Every = TimeSpan.FromSeconds(30) }));
        Assert.Contains("every must be between 00:01:00", tooOften.Message, StringComparison.Ordinal);
        Assert.Contains("got 00:00:30", tooOften.Message, StringComparison.Ordinal);
        var noDataset = await Assert.ThrowsAsync<DatasetNotFoundException>(() => schedule.SetAsync(good with { Dataset = "no-such-dataset" }));
        Assert.Contains("no-such-dataset", noDataset.Message, StringComparison.Ordinal);
        var noLabel = await Assert.ThrowsAsync<InvalidTrainingRequestException>(() => schedule.SetAsync(good with { Label = "churned" }));
        Assert.Contains("no column 'churned'", noLabel.Message, StringComparison.Ordinal);
        var badParameter = await Assert.ThrowsAsync<InvalidTrainingRequestException>(() =>
            schedule.SetAsync(good with { Parameters = System.Collections.Immutable.ImmutableDictionary<string, double>.Empty.Add("bogus", 1) }));
        Assert.Contains("bogus", badParameter.Message, StringComparison.Ordinal);
        var noAlias = await Assert.ThrowsAsync<InvalidScheduleException>(() => schedule.SetAsync(good with { Then = ScheduleThen.Rollout }));
        Assert.Contains("alias 'production'", noAlias.Message, StringComparison.Ordinal);
        var badSteps = await Assert.ThrowsAsync<InvalidRolloutException>(() =>
            schedule.SetAsync(good with { Then = ScheduleThen.Rollout, Rollout = new ScheduleRollout("production", RolloutMode.Canary, [50, 20]) }));
        Assert.Contains("steps", badSteps.Message, StringComparison.Ordinal);
        var strayThreshold = await Assert.ThrowsAsync<InvalidScheduleException>(() => schedule.SetAsync(good with { DriftThreshold = 0.1 }));
        Assert.Contains("driftThreshold is only taken with trigger: drift", strayThreshold.Message, StringComparison.Ordinal);

        var after = await schedule.GetAsync();
        Assert.Equal((set.Schedule, set.NextRunAt, set.SetAt), (after.Schedule, after.NextRunAt, after.SetAt));
    }

    [Fact]
    public async Task ARolloutWhoseGuardTheTaskNeverMeasures_OrWhoseStickyByNoRowCarries_IsRefused_AndChangesNothing()
    {
        var (model, dataset) = (TestData.Name("sched-guard"), TestData.Name("sched-guard-data"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(300));
        var registry = Client.GetGrain<IModelGrain>(model);
        await Eventually.TerminalAsync(Client, model, (await registry.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear))).Version);
        await registry.SetAliasAsync("production", 1);
        var schedule = Client.GetGrain<IModelScheduleGrain>(model);
        var rollout = new ScheduleRollout("production", RolloutMode.Canary, [20, 100], StickyBy: "color", Guard: new RolloutGuard("accuracy", MaxDrop: 0.02));
        var good = new ScheduleRequest(Hour, dataset, "label", TrainingAlgorithm.Linear, Then: ScheduleThen.Rollout, Rollout: rollout);
        var set = await schedule.SetAsync(good);

        var rmse = await Assert.ThrowsAsync<InvalidRolloutException>(() =>
            schedule.SetAsync(good with { Rollout = rollout with { Guard = new RolloutGuard("rmse", Max: 0.1) } }));
        var statedTask = await Assert.ThrowsAsync<InvalidRolloutException>(() =>
            schedule.SetAsync(good with { Task = ModelTask.Binary, Rollout = rollout with { Guard = new RolloutGuard("mae", Max: 0.1) } }));
        var sticky = await Assert.ThrowsAsync<InvalidRolloutException>(() =>
            schedule.SetAsync(good with { Rollout = rollout with { StickyBy = "nonexistent" } }));

        Assert.Equal(
            $"guard.metric 'rmse' is never measured for version 1 of model '{model}', a binary model, so the guard would never be checked: "
            + "a binary model's guard can watch accuracy, auc, errorRate or p99.", rmse.Message);
        Assert.Equal(
            "guard.metric 'mae' is never measured for the versions this schedule trains, binary models, so the guard would never be checked: "
            + "a binary model's guard can watch accuracy, auc, errorRate or p99.", statedTask.Message);
        Assert.Equal(
            $"stickyBy 'nonexistent' is not a column that requests through alias 'production' of model '{model}' may carry: "
            + "version 1 refuses a row with it (unknown column), so no request could be sticky. "
            + "The columns version 1 takes are 'id', 'x1', 'x2', 'color' and the label 'label' (matched ignoring case): "
            + "choose one of them, e.g. an id every row carries.", sticky.Message);
        var after = (await schedule.GetAsync()).Schedule!;
        Assert.Equal((rollout.Guard, "color", ModelTask.Auto), (after.Rollout!.Guard, after.Rollout.StickyBy, after.Task));
        Assert.Equal(set.Schedule!.Rollout!.Steps.ToArray(), after.Rollout.Steps.ToArray());
        await schedule.DeleteAsync();
    }

    [Fact]
    public async Task TheScheduleAndItsRuns_SurviveARestart_AndARunDueWhileDownRunsOnceWhenItIsBack()
    {
        var data = Path.Combine(Path.GetTempPath(), "orleansml-tests", Guid.NewGuid().ToString("N"));
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var (model, dataset) = (TestData.Name("sched-restart"), TestData.Name("sched-restart-data"));
        ScheduleRun first;
        var before = new RestartableScheduleCluster(data, time);
        await before.InitializeAsync();
        try
        {
            await before.Client.UploadDatasetAsync(dataset, TestData.Binary(300));
            var schedule = before.Client.GetGrain<IModelScheduleGrain>(model);
            await schedule.SetAsync(new ScheduleRequest(Hour, dataset, "label", TrainingAlgorithm.Linear, Trigger: ScheduleTrigger.NewData));
            time.Advance(Hour);
            first = await RunEndedAsync(schedule, (await schedule.RunDueAsync())!.Due);
            await before.Client.UploadDatasetAsync(dataset, TestData.Binary(310, seed: 9));
        }
        finally
        {
            await before.StopAsync();
        }

        // Three periods pass while nothing runs; the silo that comes back runs the missed run once, by itself.
        time.Advance(TimeSpan.FromHours(3));
        var after = new RestartableScheduleCluster(data, time);
        await after.InitializeAsync();
        try
        {
            var schedule = after.Client.GetGrain<IModelScheduleGrain>(model);
            var runs = await Eventually.GetAsync(
                async () => (await schedule.GetRunsAsync()).Runs, r => r.Length == 2 && r[0].EndedAt is not null, TimeSpan.FromSeconds(90), "the missed run");
            Assert.Equal((first.Due, ScheduleRun.Trained, 1), (runs[1].Due, runs[1].Decision, runs[1].Version));
            Assert.Equal((first.Due + Hour, ScheduleRun.Trained, 2, 2), (runs[0].Due, runs[0].Decision, runs[0].DatasetVersion, runs[0].Version));
            Assert.Equal(time.GetUtcNow() + Hour, (await schedule.GetAsync()).NextRunAt);
            Assert.Null(await schedule.RunDueAsync());
            Assert.Equal(2, (await schedule.GetRunsAsync()).Runs.Length);
            Assert.Equal(ScheduleTrigger.NewData, (await schedule.GetAsync()).Schedule.Trigger);
        }
        finally
        {
            await after.DisposeAsync();
        }
    }

    /// <summary>Waits until the run answering <paramref name="due"/> has ended (trained and what followed, or failed).</summary>
    private static async Task<ScheduleRun> RunEndedAsync(IModelScheduleGrain schedule, DateTimeOffset due) =>
        (await Eventually.GetAsync(
            async () => (await schedule.GetRunsAsync()).Runs.FirstOrDefault(r => r.Due == due),
            r => r?.EndedAt is not null,
            TimeSpan.FromSeconds(90),
            $"the run due {due:O} to end"))!;

    /// <summary>Binary data like <see cref="TestData.Binary"/> with x1 and x2 moved far from where they were.</summary>
    private static string Shifted(int rows)
    {
        var random = new Random(21);
        var csv = new StringBuilder("id,x1,x2,color,label\n");
        for (var i = 0; i < rows; i++)
        {
            var x1 = random.NextDouble() * 4 + 1;
            var x2 = random.NextDouble() * 4 - 3;
            var color = (x1 + x2 > 0) == (random.NextDouble() < 0.9) ? "red" : "blue";
            csv.Append(CultureInfo.InvariantCulture, $"{i},{x1:F4},{x2:F4},{color},{(x1 + x2 > 0 ? "yes" : "no")}\n");
        }

        return csv.ToString();
    }

    /// <summary>Binary data like <see cref="TestData.Binary"/> with x1 and x2 moved by the given amounts.</summary>
    private static string Moved(int rows, double x1Shift, double x2Shift, int seed)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("id,x1,x2,color,label\n");
        for (var i = 0; i < rows; i++)
        {
            var (x1, x2) = ((random.NextDouble() * 4) - 2, (random.NextDouble() * 4) - 2);
            var color = (x1 + x2 > 0) == (random.NextDouble() < 0.9) ? "red" : "blue";
            csv.Append(CultureInfo.InvariantCulture, $"{i},{x1 + x1Shift:F4},{x2 + x2Shift:F4},{color},{(x1 + x2 > 0 ? "yes" : "no")}\n");
        }

        return csv.ToString();
    }

    /// <summary>Binary data whose labels are mostly coin flips: models trained on it score far worse than on clean data.</summary>
    private static string Noisy(int rows)
    {
        var random = new Random(11);
        var csv = new StringBuilder("id,x1,x2,color,label\n");
        for (var i = 0; i < rows; i++)
        {
            var x1 = random.NextDouble() * 4 - 2;
            var x2 = random.NextDouble() * 4 - 2;
            var label = random.NextDouble() < 0.8 ? (random.NextDouble() < 0.5 ? "yes" : "no") : (x1 + x2 > 0 ? "yes" : "no");
            csv.Append(CultureInfo.InvariantCulture, $"{i},{x1:F4},{x2:F4},{(random.NextDouble() < 0.5 ? "red" : "blue")},{label}\n");
        }

        return csv.ToString();
    }
}
