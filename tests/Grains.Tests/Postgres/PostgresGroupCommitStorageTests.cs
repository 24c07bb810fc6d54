using Npgsql;
using OrleansMl.Storage;
using OrleansMl.Storage.Postgres;
using OrleansMl.Tests.Storage;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Postgres;

/// <summary>The group-commit storage on PostgreSQL, as cluster mode configures it (schema from the silo's installer).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGroupCommitStorageTests(PostgresFixture postgres) : GroupCommitStorageContract
{
    private NpgsqlDataSource? _dataSource;
    private GroupCommitDatabase? _database;

    protected override GroupCommitDatabase Database => _database!;

    protected override async Task CreateDatabaseAsync()
    {
        _dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await PostgresSchema.EnsureCreatedAsync(_dataSource);
        _database = GroupCommitDatabase.Postgres(_dataSource);
    }

    protected override async Task<IAsyncDisposable> BlockWritersAsync()
    {
        var connection = await _dataSource!.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand($"LOCK TABLE {GroupCommitDatabase.Table} IN EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new Held(async () =>
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        });
    }

    protected override async Task PoisonAsync(string grainId)
    {
        await using var command = _dataSource!.CreateCommand($"""
            CREATE FUNCTION poison_row() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.grain_id = '{grainId}' THEN RAISE EXCEPTION 'poisoned row'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER poison BEFORE INSERT OR UPDATE ON {GroupCommitDatabase.Table} FOR EACH ROW EXECUTE FUNCTION poison_row();
            """);
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task DropDatabaseAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    private sealed class Held(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }
}
