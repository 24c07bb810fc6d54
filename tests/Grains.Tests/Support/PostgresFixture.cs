using Npgsql;

namespace OrleansMl.Tests.Support;

/// <summary>
/// One PostgreSQL server for every test in the <see cref="PostgresCollection"/>: the server named by
/// <c>ORLEANSML_TEST_POSTGRES</c> (an Npgsql connection string with the right to create databases) when it is set,
/// otherwise a throwaway server started from the installed binaries. Each test asks for its own empty database.
/// When neither works the fixture fails, and with it every test that needs PostgreSQL: they are never skipped.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "ORLEANSML_TEST_POSTGRES";

    private readonly List<string> _databases = [];
    private LocalPostgresServer? _server;
    private string _adminConnectionString = "";

    /// <summary>Where the server came from, for messages.</summary>
    public string Origin { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            _adminConnectionString = given;
            Origin = $"the server in {EnvironmentVariable}";
            try
            {
                await using var connection = new NpgsqlConnection(given);
                await connection.OpenAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or ArgumentException)
            {
                throw new InvalidOperationException($"{EnvironmentVariable} is set, but its PostgreSQL server cannot be reached: {ex.Message}", ex);
            }

            return;
        }

        _server = await LocalPostgresServer.StartAsync();
        _adminConnectionString = _server.ConnectionString;
        Origin = $"a throwaway server on port {_server.Port} in {_server.Folder}";
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"orleansml_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        lock (_databases)
        {
            _databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            // The whole throwaway server goes, databases included.
            await _server.DisposeAsync();
            return;
        }

        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        foreach (var name in _databases)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>Tests that need PostgreSQL share one server and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
