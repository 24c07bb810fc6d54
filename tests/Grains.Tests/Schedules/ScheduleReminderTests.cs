using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Schedules;

/// <summary>A schedule driven by its real Orleans reminder and the real clock, nothing called by hand.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ScheduleReminderTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AOneMinuteSchedule_IsRunByItsReminder_AndTrains()
    {
        var (model, dataset) = (TestData.Name("sched-reminder"), TestData.Name("sched-reminder-data"));
        await fixture.Client.UploadDatasetAsync(dataset, TestData.Binary(300));
        var schedule = fixture.Client.GetGrain<IModelScheduleGrain>(model);
        var set = await schedule.SetAsync(new ScheduleRequest(TimeSpan.FromMinutes(1), dataset, "label", TrainingAlgorithm.Linear));

        // Generous: the reminder is due after one minute; a shared machine may be slow to train.
        var runs = await Eventually.GetAsync(
            async () => (await schedule.GetRunsAsync()).Runs, r => r.Length >= 1 && r[^1].EndedAt is not null, TimeSpan.FromMinutes(4), "the first scheduled run");

        var first = runs[^1];
        Assert.Equal(set.NextRunAt, first.Due);
        Assert.True(first.StartedAt >= first.Due - TimeSpan.FromSeconds(6), $"ran at {first.StartedAt:O}, due {first.Due:O}");
        Assert.Equal((ScheduleRun.Trained, 1), (first.Decision, first.Version));
        Assert.Equal(TrainingStatus.Succeeded, (await fixture.Client.GetGrain<IModelGrain>(model).GetVersionAsync(1)).Status);
        await schedule.DeleteAsync();
    }
}
