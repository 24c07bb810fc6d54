using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

/// <summary>Our membership queries driven by Orleans' own ADO.NET membership table and gateway list provider.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMembershipTableTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string ClusterId = "membership-contract";

    // Whole milliseconds: Orleans writes suspicion times with millisecond precision.
    private static readonly DateTime Now = new(DateTime.UtcNow.Ticks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private NpgsqlDataSource _dataSource = null!;
    private AdoNetClusteringTable _table = null!;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await PostgresSchema.EnsureCreatedAsync(_dataSource);
        _table = await OpenTableAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task Insert_SucceedsOnlyAgainstTheCurrentTableVersion_AndNeverTwiceForOneSilo()
    {
        var empty = await _table.ReadAllAsync();
        Assert.Empty(empty.Members);
        var first = Entry(1, SiloStatus.Joining);

        Assert.True(await _table.InsertRowAsync(first, empty.Version.Next()));
        Assert.False(await _table.InsertRowAsync(Entry(2, SiloStatus.Joining), empty.Version.Next()));

        var afterInsert = await _table.ReadAllAsync();
        Assert.Equal(empty.Version.Version + 1, afterInsert.Version.Version);
        Assert.Equal(first.SiloAddress, Assert.Single(afterInsert.Members).Item1.SiloAddress);

        // The same silo again, with the right version: refused, and the version bump is rolled back with it.
        Assert.False(await _table.InsertRowAsync(first, afterInsert.Version.Next()));
        Assert.Equal(afterInsert.Version.Version, (await _table.ReadAllAsync()).Version.Version);
    }

    [Fact]
    public async Task Update_SucceedsOnlyWithTheCurrentEtag_AndHeartbeatsLeaveTheVersionAlone()
    {
        var silo = Entry(1, SiloStatus.Joining);
        await _table.InsertRowAsync(silo, (await _table.ReadAllAsync()).Version.Next());
        var read = await _table.ReadRowAsync(silo.SiloAddress);
        var (entry, etag) = Assert.Single(read.Members);

        entry.Status = SiloStatus.Active;
        Assert.True(await _table.UpdateRowAsync(entry, etag, read.Version.Next()));
        entry.Status = SiloStatus.Dead;
        Assert.False(await _table.UpdateRowAsync(entry, etag, read.Version.Next()));

        var afterUpdate = await _table.ReadAllAsync();
        Assert.Equal(SiloStatus.Active, Assert.Single(afterUpdate.Members).Item1.Status);
        var (current, currentEtag) = afterUpdate.Members[0];
        Assert.False(await _table.UpdateRowAsync(Entry(9, SiloStatus.Active), currentEtag, afterUpdate.Version.Next()));
        Assert.Equal(afterUpdate.Version, (await _table.ReadAllAsync()).Version);

        current.IAmAliveTime = Now.AddMinutes(5);
        await _table.UpdateIAmAliveAsync(current);

        var afterHeartbeat = await _table.ReadRowAsync(silo.SiloAddress);
        Assert.Equal(Now.AddMinutes(5), Assert.Single(afterHeartbeat.Members).Item1.IAmAliveTime);
        Assert.Equal(afterUpdate.Version, afterHeartbeat.Version);
    }

    [Fact]
    public async Task SuspectTimes_RoundTrip()
    {
        var silo = Entry(1, SiloStatus.Active);
        await _table.InsertRowAsync(silo, (await _table.ReadAllAsync()).Version.Next());
        var read = await _table.ReadRowAsync(silo.SiloAddress);
        var (entry, etag) = read.Members[0];
        entry.AddSuspector(Entry(2, SiloStatus.Active).SiloAddress, Now.AddSeconds(-3));

        Assert.True(await _table.UpdateRowAsync(entry, etag, read.Version.Next()));

        var (stored, _) = (await _table.ReadRowAsync(silo.SiloAddress)).Members[0];
        var vote = Assert.Single(stored.SuspectTimes!);
        Assert.Equal(Entry(2, SiloStatus.Active).SiloAddress, vote.Item1);
        Assert.Equal(Now.AddSeconds(-3), vote.Item2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cleanup_RemovesOnlyDeadSilosSilentSinceBeforeTheCutoff(bool rowByRowQueryInstalled)
    {
        if (!rowByRowQueryInstalled)
        {
            // Without the optional query the provider falls back to the bulk one.
            await using var drop = _dataSource.CreateCommand("DELETE FROM OrleansQuery WHERE QueryKey = 'CleanupDefunctSiloEntryKey'");
            await drop.ExecuteNonQueryAsync();
            _table = await OpenTableAsync();
        }

        var longAgo = Now.AddDays(-10);
        var active = Entry(1, SiloStatus.Active, longAgo);
        var dead = Entry(2, SiloStatus.Dead, longAgo);
        var recentlyDead = Entry(3, SiloStatus.Dead, longAgo);
        recentlyDead.IAmAliveTime = Now;
        foreach (var entry in new[] { active, dead, recentlyDead })
        {
            Assert.True(await _table.InsertRowAsync(entry, (await _table.ReadAllAsync()).Version.Next()));
        }

        await _table.CleanupDefunctSiloEntriesAsync(Now.AddDays(-1));

        var left = (await _table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress).Order().ToArray();
        Assert.Equal(new[] { active.SiloAddress, recentlyDead.SiloAddress }.Order(), left);
    }

    [Fact]
    public async Task Gateways_AreTheActiveSilosWithAGatewayPort()
    {
        var gateway = Entry(1, SiloStatus.Active);
        var noGateway = Entry(2, SiloStatus.Active);
        noGateway.ProxyPort = 0;
        var dead = Entry(3, SiloStatus.Dead);
        foreach (var entry in new[] { gateway, noGateway, dead })
        {
            await _table.InsertRowAsync(entry, (await _table.ReadAllAsync()).Version.Next());
        }

        var provider = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            _services,
            Options.Create(new AdoNetClusteringClientOptions { Invariant = PostgresSiloExtensions.Invariant, DataSource = _dataSource }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = ClusterId, ServiceId = "contract" }));
        await provider.InitializeGatewayListProviderAsync();

        var uri = Assert.Single(await provider.GetGatewaysAsync());
        Assert.Equal(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, gateway.ProxyPort), gateway.SiloAddress.Generation).ToGatewayUri(), uri);
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_ForgetsTheCluster()
    {
        await _table.InsertRowAsync(Entry(1, SiloStatus.Active), (await _table.ReadAllAsync()).Version.Next());

        await _table.DeleteMembershipTableEntriesAsync(ClusterId);

        await using var count = _dataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM OrleansMembershipTable) + (SELECT count(*) FROM OrleansMembershipVersionTable)");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    private async Task<AdoNetClusteringTable> OpenTableAsync()
    {
        var table = new AdoNetClusteringTable(
            _services,
            Options.Create(new ClusterOptions { ClusterId = ClusterId, ServiceId = "contract" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = PostgresSiloExtensions.Invariant, DataSource = _dataSource }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }

    private static MembershipEntry Entry(int silo, SiloStatus status, DateTime? started = null) => new()
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11_110 + silo), 1000 + silo),
        Status = status,
        ProxyPort = 30_000 + silo,
        HostName = "host",
        SiloName = $"silo-{silo}",
        StartTime = started ?? Now,
        IAmAliveTime = started ?? Now,
    };
}
