using Microsoft.Data.Sqlite;
using OrleansMl.Storage;

namespace OrleansMl.Tests.Storage;

/// <summary>The group-commit storage on SQLite, as embedded mode configures it (WAL, one file).</summary>
public sealed class SqliteGroupCommitStorageTests : GroupCommitStorageContract
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "orleansml-group-commit", Guid.NewGuid().ToString("N"));
    private string _connectionString = "";
    private GroupCommitDatabase? _database;

    protected override GroupCommitDatabase Database => _database!;

    protected override Task CreateDatabaseAsync()
    {
        Directory.CreateDirectory(_folder);
        _connectionString = $"Data Source={Path.Combine(_folder, "orleansml.db")};Default Timeout=30;Pooling=True";
        SqliteGrainStorageSchema.EnsureCreated(_connectionString);
        _database = GroupCommitDatabase.Sqlite(_connectionString);
        return Task.CompletedTask;
    }

    protected override async Task<IAsyncDisposable> BlockWritersAsync()
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        var transaction = connection.BeginTransaction(deferred: false);
        return new Held(async () =>
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        });
    }

    protected override async Task PoisonAsync(string grainId)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        foreach (var operation in new[] { "INSERT", "UPDATE" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                CREATE TRIGGER poison_{operation.ToLowerInvariant()} BEFORE {operation} ON {GroupCommitDatabase.Table}
                WHEN NEW.grain_id = $grain BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;
                """.Replace("$grain", $"'{grainId}'", StringComparison.Ordinal);
            await command.ExecuteNonQueryAsync();
        }
    }

    protected override Task DropDatabaseAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheWriterSyncsEveryCommit_AndTheDatabaseIsInWalMode()
    {
        await using var writer = await Database.OpenWriterAsync(CancellationToken.None);
        await using var command = writer.CreateCommand();
        command.CommandText = "PRAGMA synchronous;";
        Assert.Equal(2L, await command.ExecuteScalarAsync()); // FULL
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", await command.ExecuteScalarAsync());

        // The connections of Orleans' own ADO.NET storage (every other grain) are plain ones: FULL is their default.
        await using var plain = await Database.OpenAsync(CancellationToken.None);
        await using var check = plain.CreateCommand();
        check.CommandText = "PRAGMA synchronous;";
        Assert.Equal(2L, await check.ExecuteScalarAsync());
    }

    private sealed class Held(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }
}
