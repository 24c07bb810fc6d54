using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

/// <summary>Our reminder queries driven by Orleans' own ADO.NET reminder table.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresReminderTableTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly List<ServiceProvider> _providers = [];
    private NpgsqlDataSource _dataSource = null!;
    private IReminderTable _table = null!;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await PostgresSchema.EnsureCreatedAsync(_dataSource);
        _table = await OpenTableAsync("service-a");
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task Upsert_GivesANewEtagEveryTime_AndRemoveNeedsTheCurrentOne()
    {
        var grain = GrainId.Create("probe", "upsert");
        var start = new DateTime(2030, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        var first = await _table.UpsertRow(Reminder(grain, "tick", start, TimeSpan.FromMinutes(1)));
        var second = await _table.UpsertRow(Reminder(grain, "tick", start.AddHours(1), TimeSpan.FromHours(3)));

        var stored = await _table.ReadRow(grain, "tick");
        Assert.NotNull(stored);
        Assert.Equal(start.AddHours(1), stored.StartAt);
        Assert.Equal(TimeSpan.FromHours(3), stored.Period);
        Assert.Equal(second, stored.ETag);
        Assert.NotEqual(first, second);

        Assert.False(await _table.RemoveRow(grain, "tick", first!));
        Assert.True(await _table.RemoveRow(grain, "tick", second!));
        Assert.Null(await _table.ReadRow(grain, "tick"));

        // Registered again, it never gets back an etag a stale caller may still hold.
        var third = await _table.UpsertRow(Reminder(grain, "tick", start, TimeSpan.FromMinutes(1)));
        Assert.DoesNotContain(third, new[] { first, second });
    }

    [Fact]
    public async Task ReadRows_OfAGrain_ReturnsItsRemindersInThisServiceOnly()
    {
        var grain = GrainId.Create("probe", "several");
        var otherService = await OpenTableAsync("service-b");
        await _table.UpsertRow(Reminder(grain, "a", DateTime.UtcNow, TimeSpan.FromMinutes(1)));
        await _table.UpsertRow(Reminder(grain, "b", DateTime.UtcNow, TimeSpan.FromMinutes(2)));
        await _table.UpsertRow(Reminder(GrainId.Create("probe", "another"), "a", DateTime.UtcNow, TimeSpan.FromMinutes(1)));
        await otherService.UpsertRow(Reminder(grain, "c", DateTime.UtcNow, TimeSpan.FromMinutes(1)));

        var rows = await _table.ReadRows(grain);

        Assert.Equal(["a", "b"], rows.Reminders.Select(r => r.ReminderName).Order());
        Assert.All(rows.Reminders, r => Assert.Equal(grain, r.GrainId));

        await _table.TestOnlyClearTable();
        Assert.Empty((await _table.ReadRows(0, 0)).Reminders);
        Assert.Single((await otherService.ReadRows(0, 0)).Reminders);
    }

    [Theory]
    [InlineData(0x1000_0000u, 0x9000_0000u)] // crosses the signed boundary: one range in the ring, two as integers
    [InlineData(0x9000_0000u, 0xF000_0000u)]
    [InlineData(0x0000_0000u, 0x7FFF_FFFFu)]
    [InlineData(0xF000_0000u, 0x1000_0000u)] // wraps around the end of the ring
    [InlineData(0x7000_0000u, 0x6000_0000u)] // wraps, and crosses the signed boundary
    [InlineData(0x5555_5555u, 0x5555_5555u)] // the whole ring
    public async Task ReadRows_OfARingRange_ReturnsExactlyTheRemindersWhoseGrainHashIsInIt(uint begin, uint end)
    {
        var grains = Enumerable.Range(0, 64).Select(i => GrainId.Create("probe", $"ring-{i}")).ToArray();
        foreach (var grain in grains)
        {
            await _table.UpsertRow(Reminder(grain, "tick", DateTime.UtcNow, TimeSpan.FromMinutes(1)));
        }

        var expected = grains.Where(g => InRange(g.GetUniformHashCode(), begin, end)).Select(g => g.ToString()).Order();
        Assert.NotEmpty(expected);

        var rows = await _table.ReadRows(begin, end);

        Assert.Equal(expected, rows.Reminders.Select(r => r.GrainId.ToString()).Order());
    }

    /// <summary>The ring range (begin, end], wrapping past the top; begin == end is the whole ring.</summary>
    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private async Task<IReminderTable> OpenTableAsync(string serviceId)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = "reminders-contract";
            o.ServiceId = serviceId;
        });
        services.UseAdoNetReminderService(o => o.Configure(options =>
        {
            options.Invariant = PostgresSiloExtensions.Invariant;
            options.DataSource = _dataSource;
        }));
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var table = provider.GetRequiredService<IReminderTable>();
        await table.StartAsync();
        return table;
    }

    private static ReminderEntry Reminder(GrainId grain, string name, DateTime start, TimeSpan period) =>
        new() { GrainId = grain, ReminderName = name, StartAt = start, Period = period };
}
