using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Security;

/// <summary>A caller's budget of uploads and training requests, on the real clock.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TrainingBudgetTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ABudget_GivesItsBurst_ThenSaysHowLongUntilTheNext_AndTakesNothingWhileRefusing()
    {
        var budget = fixture.Client.GetGrain<ITrainingBudgetGrain>(TestData.Name("budget"));

        var burst = new List<TimeSpan?> { await budget.TryTakeAsync(2), await budget.TryTakeAsync(2) };
        var refused = new List<TimeSpan?> { await budget.TryTakeAsync(2), await budget.TryTakeAsync(2) };

        Assert.Equal([null, null], burst);
        // Two a minute: one comes back 30 s after the burst; refusing took nothing, so the second wait is not longer.
        Assert.All(refused, wait => Assert.InRange(wait!.Value, TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(30)));
        Assert.True(refused[1] <= refused[0]);
    }

    [Fact]
    public async Task ABudget_Refills_AtItsRate()
    {
        var budget = fixture.Client.GetGrain<ITrainingBudgetGrain>(TestData.Name("budget"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var taken = 0;
        TimeSpan? wait;
        while ((wait = await budget.TryTakeAsync(600)) is null && taken < 10_000)
        {
            taken++;
        }

        // 600 a minute: the burst of 600, plus one for every 100 ms the calls took; then one every 100 ms.
        Assert.InRange(taken, 600, 601 + (int)(watch.ElapsedMilliseconds / 100));
        Assert.InRange(wait!.Value, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(100));
        await Task.Delay(wait.Value + TimeSpan.FromMilliseconds(20));
        Assert.Null(await budget.TryTakeAsync(600));
    }

    [Fact]
    public async Task ABudgetOfNone_IsRefusedByName()
    {
        var budget = fixture.Client.GetGrain<ITrainingBudgetGrain>(TestData.Name("budget"));

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => budget.TryTakeAsync(0));

        Assert.Contains("perMinute", error.Message, StringComparison.Ordinal);
    }
}
