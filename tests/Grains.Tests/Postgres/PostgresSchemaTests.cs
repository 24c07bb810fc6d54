using Npgsql;
using OrleansMl.Hosting;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests(PostgresFixture postgres)
{
    /// <summary>Every key the Orleans 10.4.2 ADO.NET clustering, persistence and reminder providers load.</summary>
    public static readonly string[] OrleansQueryKeys =
    [
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey",
        "UpdateIAmAlivetimeKey", "UpdateMembershipKey",
        "ClearStorageKey", "DeleteStorageKey", "ReadFromStorageKey", "WriteToStorageKey",
        "DeleteReminderRowKey", "DeleteReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
        "ReadReminderRowsKey", "UpsertReminderRowKey",
    ];

    [Fact]
    public async Task EnsureCreated_InstallsEveryQueryTheOrleansProvidersLoad()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());

        Assert.True(await PostgresSchema.EnsureCreatedAsync(dataSource));

        Assert.Equal(OrleansQueryKeys.Order(StringComparer.Ordinal), await QueryKeysAsync(dataSource));
        Assert.Equal(PostgresSchema.Version, await PostgresSchema.GetInstalledVersionAsync(dataSource));
    }

    [Fact]
    public async Task EnsureCreated_SkipsACurrentSchema_AndMigrateRunsEveryScriptAgainWithoutLosingData()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        Assert.True(await PostgresSchema.EnsureCreatedAsync(dataSource));
        var store = new PostgresArtifactStore(dataSource);
        var receipt = await store.PutAsync("kept across migrations"u8.ToArray());
        await using (var edit = dataSource.CreateCommand("UPDATE OrleansQuery SET QueryText = 'broken' WHERE QueryKey = 'GatewaysQueryKey'"))
        {
            await edit.ExecuteNonQueryAsync();
        }

        Assert.False(await PostgresSchema.EnsureCreatedAsync(dataSource));
        Assert.Equal("broken", await GatewaysQueryAsync(dataSource));

        var connectionString = dataSource.ConnectionString;
        Assert.True(await PostgresSchema.MigrateAsync(connectionString));
        Assert.True(await PostgresSchema.MigrateAsync(connectionString));

        Assert.Contains("ProxyPort > 0", await GatewaysQueryAsync(dataSource));
        Assert.Equal(OrleansQueryKeys.Order(StringComparer.Ordinal), await QueryKeysAsync(dataSource));
        await using var stream = await store.OpenReadAsync(receipt.ContentHash);
        Assert.Equal("kept across migrations", await new StreamReader(stream).ReadToEndAsync());
    }

    [Fact]
    public async Task ThreeSilosStartingAtOnceAgainstAnEmptyDatabase_InstallTheSchemaExactlyOnce()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var sources = Enumerable.Range(0, 3).Select(_ => NpgsqlDataSource.Create(connectionString)).ToArray();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var installing = sources.Select(async source =>
            {
                await start.Task;
                return await PostgresSchema.EnsureCreatedAsync(source);
            }).ToArray();
            start.SetResult();
            var installs = await Task.WhenAll(installing);

            Assert.Single(installs, installed => installed);
            Assert.Equal(OrleansQueryKeys.Order(StringComparer.Ordinal), await QueryKeysAsync(sources[0]));
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ThreeMigrationsRunningAtOnceAgainstAnEmptyDatabase_AllSucceed()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var migrating = Enumerable.Range(0, 3).Select(async _ =>
        {
            await start.Task;
            return await PostgresSchema.MigrateAsync(connectionString);
        }).ToArray();
        start.SetResult();

        var results = await Task.WhenAll(migrating);

        Assert.All(results, Assert.True);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        Assert.Equal(OrleansQueryKeys.Order(StringComparer.Ordinal), await QueryKeysAsync(dataSource));
    }

    [Fact]
    public async Task SiloMigrateCommand_InstallsTheSchema_AndOtherArgumentsRunTheSilo()
    {
        var connectionString = await postgres.CreateDatabaseAsync();

        Assert.Equal(0, await SiloCommands.TryRunAsync([SiloCommands.Migrate, $"--OrleansMl:PostgresConnectionString={connectionString}"]));
        Assert.Null(await SiloCommands.TryRunAsync(["--urls", "http://127.0.0.1:0"]));
        Assert.Equal(1, await SiloCommands.TryRunAsync([SiloCommands.Migrate, "--OrleansMl:PostgresConnectionString=Host=127.0.0.1;Port=1;Timeout=2"]));

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        Assert.Equal(PostgresSchema.Version, await PostgresSchema.GetInstalledVersionAsync(dataSource));
    }

    private static async Task<string[]> QueryKeysAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return [.. keys];
    }

    private static async Task<string> GatewaysQueryAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'GatewaysQueryKey'");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
