using System.Text;
using Npgsql;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

/// <summary>Silos that share nothing but a PostgreSQL database: membership, grain state and reminders all live there.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterTests(PostgresFixture postgres)
{
    [Fact]
    public async Task TwoSilos_JoinThroughTheMembershipTable_AndAClientFindsTheirGatewaysThere()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = new PostgresCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();

        var client = await cluster.ConnectClientAsync();

        var statuses = await MembershipAsync(database, cluster.ClusterId);
        Assert.Equal(2, statuses.Count);
        Assert.All(statuses, status => Assert.Equal((int)SiloStatus.Active, status));
        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
        await client.GetGrain<IProbeGrain>("hello").SetValueAsync("world");
        Assert.Equal("world", await client.GetGrain<IProbeGrain>("hello").GetValueAsync());
    }

    [Fact]
    public async Task GrainState_SurvivesARestartOfEverySilo_StoredAsBinary()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = new PostgresCluster(database);
        var first = new[] { await cluster.StartSiloAsync(), await cluster.StartSiloAsync() };
        var client = await cluster.ConnectClientAsync();
        var names = Enumerable.Range(0, 6).Select(i => $"probe-{i}").ToArray();
        foreach (var name in names)
        {
            await client.GetGrain<IProbeGrain>(name).SetValueAsync($"value of {name}");
        }

        foreach (var silo in first)
        {
            await cluster.StopAsync(silo);
        }

        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        var newClient = await cluster.ConnectClientAsync();

        foreach (var name in names)
        {
            Assert.Equal($"value of {name}", await newClient.GetGrain<IProbeGrain>(name).GetValueAsync());
        }

        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var payloads = dataSource.CreateCommand("SELECT PayloadBinary FROM OrleansStorage");
        await using var reader = await payloads.ExecuteReaderAsync();
        var count = 0;
        while (await reader.ReadAsync())
        {
            // Orleans' binary serializer, not the JSON default: strings are stored as raw UTF-8 inside a binary frame.
            var payload = reader.GetFieldValue<byte[]>(0);
            Assert.NotEqual((byte)'{', payload[0]);
            Assert.Contains(names, name => payload.AsSpan().IndexOf(Encoding.UTF8.GetBytes($"value of {name}")) >= 0);
            count++;
        }

        Assert.Equal(names.Length, count);
    }

    [Fact]
    public async Task Reminder_IsStoredInPostgres_AndFires()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = new PostgresCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        var client = await cluster.ConnectClientAsync();
        var probe = client.GetGrain<IProbeGrain>("ticking");

        await probe.StartTickingAsync();

        await Eventually.GetAsync(probe.GetTicksAsync, ticks => ticks >= 1, TimeSpan.FromSeconds(30), "the reminder's first tick");
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var rows = dataSource.CreateCommand(
            "SELECT count(*)::integer FROM OrleansRemindersTable WHERE ReminderName = 'tick' AND Period = 60000 AND GrainId LIKE '%ticking%'");
        Assert.Equal(1, await rows.ExecuteScalarAsync());
    }

    private static async Task<List<int>> MembershipAsync(string database, string clusterId)
    {
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var command = dataSource.CreateCommand("SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @cluster");
        command.Parameters.AddWithValue("cluster", clusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new List<int>();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetInt32(0));
        }

        return statuses;
    }
}
