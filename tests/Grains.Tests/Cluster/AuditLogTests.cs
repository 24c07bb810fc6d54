using OrleansMl.Audit;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class AuditLogTests(ClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    [Fact]
    public async Task Entries_AreNumberedInOrder_KeptInBoundedPages_AndReadNewestFirstAcrossPages()
    {
        var log = Grains.GetGrain<IAuditLogGrain>(IAuditLogGrain.Key);
        var target = $"models/{TestData.Name("audit")}";
        var appended = new List<AuditEntry>();
        for (var i = 0; i < 600; i++)
        {
            appended.Add(await log.AppendAsync(new AuditChange("tester", AuditActions.TrainingRequested, target, null, $"v{i + 1}", null)));
        }

        var sequences = appended.Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(0, 600).Select(i => sequences[0] + i), sequences);
        var newestFirst = sequences.AsEnumerable().Reverse().ToList();

        var first = await log.ListAsync(new AuditQuery(null, sequences[^1] + 1, 500, [], IncludeKeys: false));
        var second = await log.ListAsync(new AuditQuery(null, first.Next, 100, [], IncludeKeys: false));

        Assert.Equal(newestFirst.Take(500), first.Entries.Select(e => e.Sequence));
        Assert.Equal(newestFirst.Skip(500), second.Entries.Select(e => e.Sequence));
        Assert.All(first.Entries.Concat(second.Entries), e => Assert.Equal(("tester", target), (e.By, e.Target)));
        for (var page = sequences[0] / AuditLogGrain.PageSize; page <= sequences[^1] / AuditLogGrain.PageSize; page++)
        {
            Assert.InRange((await Grains.GetGrain<IAuditPageGrain>(page).ReadAsync()).Length, 1, AuditLogGrain.PageSize);
        }
    }

    [Fact]
    public async Task AReaderLimitedToNames_GetsFullPagesOfItsOwnChanges_AndKeyChangesOnlyWhenAllowed()
    {
        var log = Grains.GetGrain<IAuditLogGrain>(IAuditLogGrain.Key);
        var mine = TestData.Name("fraud");
        var other = TestData.Name("churn");
        AuditEntry last = null!;
        for (var i = 0; i < 30; i++)
        {
            last = await log.AppendAsync(new AuditChange("a", AuditActions.DatasetVersionCreated, $"datasets/{(i % 3 == 0 ? mine : other)}", null, $"v{i}", null));
        }

        last = await log.AppendAsync(new AuditChange("admin", AuditActions.KeyCreated, "keys/key_0123456789abcdef", null, "k", null));

        var limited = await log.ListAsync(new AuditQuery(null, last.Sequence + 1, 5, [mine], IncludeKeys: false));
        var admin = await log.ListAsync(new AuditQuery(null, last.Sequence + 1, 2, [], IncludeKeys: true));

        Assert.Equal(5, limited.Entries.Length);
        Assert.All(limited.Entries, e => Assert.Equal($"datasets/{mine}", e.Target));
        Assert.NotNull(limited.Next);
        Assert.Equal("keys/key_0123456789abcdef", admin.Entries[0].Target);
    }
}
