using System.Collections.Immutable;
using System.Diagnostics;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>The catalog as a sharded index: listings page through many names with one call per shard per page.</summary>
[Collection(LimitsCollection.Name)]
public sealed class CatalogIndexTests(LimitsFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    [Fact]
    public async Task AThousandModels_AreListedInPages_InNameOrder_EachOnce_SpreadOverTheShards()
    {
        // Summaries as a thousand model grains would set them (names sort after every other test's).
        var names = Enumerable.Range(0, 1000).Select(i => $"zz-scale-{i:D4}").ToList();
        await Task.WhenAll(names.Select(n => Grains.CatalogShard(n).SetModelAsync(
            n, 1, new ModelSummary(n, 1, 1, ImmutableDictionary<string, int>.Empty.Add(ModelAliases.Production, 1)))));

        var clock = Stopwatch.StartNew();
        var listed = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await CatalogIndex.ListModelsAsync(Grains, 100, cursor);
            listed.AddRange(page.Items.Select(m => m.Name));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        var scale = listed.Where(n => n.StartsWith("zz-scale-", StringComparison.Ordinal)).ToList();
        Assert.Equal(names, scale);
        Assert.Equal(listed.Distinct().Count(), listed.Count);
        Assert.InRange(pages, 10, 12);

        // Generous: a shared, loaded machine; what matters is that no page costs a call per model.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"listing took {clock.Elapsed}");
        var perShard = await Task.WhenAll(CatalogIndex.Shards(Grains).Select(async s => (await s.GetModelNamesAsync()).Count(n => n.StartsWith("zz-scale-", StringComparison.Ordinal))));
        Assert.All(perShard, count => Assert.InRange(count, 20, 120));
    }

    [Fact]
    public async Task WideDatasets_EndAPageEarly_AtTheColumnBudget_AndEveryOneIsListedOnce()
    {
        // Widths that cross the budget at different places, one dataset wider than the budget on its own.
        int[] widths = [2000, 1, 2000, 3000, 40, 2000, 2000, 12_000, 5, 2000, 1999, 2000, 700, 2000, 2000, 2000, 3, 2000];
        var prefix = $"zy-wide-{Guid.NewGuid():N}"[..20];
        var names = widths.Select((_, i) => $"{prefix}-{i:D2}").ToList();
        await Task.WhenAll(names.Select((n, i) => Grains.CatalogShard(n).SetDatasetAsync(n, 1, new DatasetSummary(n, 1, Version(n, widths[i])))));

        var pages = new List<ImmutableArray<DatasetSummary>>();
        var cursor = CatalogIndex.WriteCursor(prefix, "d");
        do
        {
            var page = await CatalogIndex.ListDatasetsAsync(Grains, 100, cursor);
            pages.Add([.. page.Items.Where(d => d.Name.StartsWith(prefix, StringComparison.Ordinal))]);
            cursor = page.Items.All(d => d.Name.StartsWith(prefix, StringComparison.Ordinal)) ? page.NextCursor : null;
        }
        while (cursor is not null);

        Assert.Equal(names, pages.SelectMany(p => p).Select(d => d.Name));
        Assert.All(pages, page =>
        {
            // Within the budget before its last dataset, and ended only where the next one would have been past it.
            Assert.NotEmpty(page);
            Assert.True(page[..^1].Sum(CatalogIndex.Columns) < CatalogIndex.PageColumnBudget, string.Join(", ", page.Select(CatalogIndex.Columns)));
        });
        Assert.All(pages[..^1], page => Assert.True(page.Sum(CatalogIndex.Columns) >= CatalogIndex.PageColumnBudget, string.Join(", ", page.Select(CatalogIndex.Columns))));
        Assert.Contains(pages, page => page is [{ Latest.Columns.Length: 12_000 }] || page[^1].Latest.Columns.Length == 12_000);
        Assert.InRange(pages.Count, 4, 6);
    }

    [Fact]
    public async Task AnOlderSummary_NeverReplacesANewerOne()
    {
        var name = TestData.Name("zz-revision");
        var shard = Grains.CatalogShard(name);

        await shard.SetModelAsync(name, 5, new ModelSummary(name, 5, 5, ImmutableDictionary<string, int>.Empty));
        await shard.SetModelAsync(name, 4, new ModelSummary(name, 4, 4, ImmutableDictionary<string, int>.Empty));

        var listed = (await shard.GetModelsAsync(name[..^1], 1000)).Single(m => m.Name == name);
        Assert.Equal(5, listed.VersionCount);
    }

    private static DatasetVersionInfo Version(string name, int columns) => new(
        name, 1, 10, [.. Enumerable.Range(0, columns).Select(c => new ColumnInfo($"c{c}", ColumnKind.Numeric, 10, 0, 10, 0, 1, 0.5, 0.3, []))],
        new string('a', 64), 100, DateTimeOffset.UnixEpoch);
}
