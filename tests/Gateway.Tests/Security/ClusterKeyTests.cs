using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Xunit.Abstractions;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>
/// Keys in cluster mode, with real processes (<c>scripts/cluster.sh</c>): one silo and two gateways on PostgreSQL. A key
/// made on one gateway works on the other, a revocation reaches the other within seconds, and the secret is nowhere in
/// the database.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class ClusterKeyTests(ITestOutputHelper output)
{
    private static readonly string[] Read = ["read"];

    private static readonly TimeSpan PropagationLimit = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AKeyMadeOnOneGateway_WorksOnTheOther_RevocationReachesItWithinSeconds_AndOnlyItsHashIsStored()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 1, gateways: 2, new Dictionary<string, string>
        {
            ["OrleansMl__Auth__AdminKey"] = SecureGateway.AdminKey,
        });
        try
        {
            await RunAsync(cluster);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    private async Task RunAsync(LocalCluster cluster)
    {
        using var first = Client(cluster.GatewayAddress(1), SecureGateway.AdminKey);
        var created = await (await first.PostAsJsonAsync("/api/keys", new { name = "shared-reader", scopes = Read })).ReadJsonAsync();
        var id = created["id"]!.GetValue<string>();
        var key = created["key"]!.GetValue<string>();
        using var onFirst = Client(cluster.GatewayAddress(1), key);
        using var onSecond = Client(cluster.GatewayAddress(2), key);

        Assert.Equal(HttpStatusCode.OK, (await onFirst.GetAsync("/api/models")).StatusCode);
        var seen = await UntilAsync(onSecond, HttpStatusCode.OK);
        output.WriteLine($"the new key worked on the second gateway after {seen.TotalSeconds:F1} s");

        Assert.Equal(HttpStatusCode.OK, (await first.DeleteAsync($"/api/keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onFirst.GetAsync("/api/models")).StatusCode);
        var revoked = await UntilAsync(onSecond, HttpStatusCode.Unauthorized);
        output.WriteLine($"the revocation reached the second gateway after {revoked.TotalSeconds:F1} s");

        await AssertOnlyTheHashIsStoredAsync(cluster.ConnectionString, key);
    }

    /// <summary>Searches every table's rows as text: grain state is binary, so bytes show as hex there.</summary>
    private async Task AssertOnlyTheHashIsStoredAsync(string connectionString, string key)
    {
        var secret = Encoding.UTF8.GetBytes(key);
        var hash = Convert.ToHexStringLower(SHA256.HashData(secret));
        var forbidden = new[] { key, Convert.ToHexStringLower(secret), Convert.ToHexStringLower(Base64Url.DecodeFromChars(key.AsSpan(4))) };
        var expected = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(hash));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
            + "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var hashFound = false;
        foreach (var table in tables)
        {
            foreach (var text in forbidden)
            {
                Assert.Equal(0L, await CountAsync(connection, table, text));
            }

            hashFound |= await CountAsync(connection, table, expected) > 0;
        }

        output.WriteLine($"searched {tables.Count} tables: {string.Join(", ", tables)}");
        Assert.True(hashFound, "the key's hash should be stored (else the search looked in the wrong place)");
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string table, string text)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table} t WHERE strpos(lower(t::text), @text) > 0", connection);
        command.Parameters.AddWithValue("text", text.ToLowerInvariant());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<TimeSpan> UntilAsync(HttpClient client, HttpStatusCode expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = (await client.GetAsync("/api/models")).StatusCode;
            if (status == expected)
            {
                return clock.Elapsed;
            }

            Assert.True(clock.Elapsed < PropagationLimit, $"still {status} after {clock.Elapsed.TotalSeconds:F1} s, expected {expected}");
            await Task.Delay(100);
        }
    }

    private static HttpClient Client(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }
}
