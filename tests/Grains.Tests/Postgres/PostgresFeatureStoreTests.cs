using System.Collections.Immutable;
using Npgsql;
using OrleansMl.Storage;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

/// <summary>Feature entities in cluster mode: their state is written in groups to the PostgreSQL database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFeatureStoreTests(PostgresFixture postgres)
{
    [Fact]
    public async Task EventsOfManyEntitiesOnTwoSilos_AreStoredInGroups_AndSurviveARestartOfEverySilo()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = new PostgresCluster(database);
        var silos = new[] { await cluster.StartOrleansMlSiloAsync(), await cluster.StartOrleansMlSiloAsync() };
        var client = await cluster.ConnectClientAsync();
        var set = TestData.Name("pg-fs");
        var definition = await client.GetGrain<IFeatureSetGrain>(set).DefineAsync(new FeatureSetSpec(
            "customer_id", TimeSpan.FromHours(1), [], [new("tx_sum_1h", AggregateOp.Sum, "amount", TimeSpan.FromHours(1))]));
        var now = DateTimeOffset.UtcNow;
        var keys = Enumerable.Range(0, 200).Select(i => $"c-{i}").ToArray();

        for (var round = 1; round <= 3; round++)
        {
            var results = await Task.WhenAll(keys.Select((key, i) => client.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, key))
                .AddEventsAsync(definition.Revision, [new FeatureEvent(now.AddSeconds(-round), ImmutableDictionary<string, FeatureValue>.Empty.Add("amount", i))], default)));
            Assert.All(results, r => Assert.Equal(1, r.Accepted));
        }

        foreach (var silo in silos)
        {
            await cluster.StopAsync(silo);
        }

        await cluster.StartOrleansMlSiloAsync();
        var again = await cluster.ConnectClientAsync();
        for (var i = 0; i < keys.Length; i++)
        {
            var vector = await again.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(set, keys[i])).GetAsync(definition.Revision);
            Assert.Equal(3.0 * i, vector.Aggregates["tx_sum_1h"]);
        }

        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var rows = dataSource.CreateCommand($"SELECT count(*)::integer, min(version), max(version) FROM {GroupCommitDatabase.Table} WHERE state_name = 'featureentity'");
        await using var reader = await rows.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((200, 3L, 3L), (reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2)));
    }
}
