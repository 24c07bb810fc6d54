using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using OrleansMl.Diagnostics;

namespace OrleansMl.Storage;

/// <summary>
/// Grain storage that commits the concurrent writes of many grains in one transaction (group commit), for grains that
/// write often and small, such as feature entities under a stream of events. Each write still carries its own ETag
/// (the row version it read): a stale one changes nothing and fails that write alone with an
/// <see cref="InconsistentStateException"/>. A write is acknowledged only after the transaction holding it committed
/// (on SQLite with <c>synchronous=FULL</c>: the write-ahead log is on disk); when the transaction fails, every write in it
/// fails and none of them changed anything. One writer takes whatever is queued while the previous group commits, so a
/// lone write waits for no timer, and a thousand concurrent ones cost one transaction and one sync instead of a thousand.
/// </summary>
/// <remarks>
/// States stored before this storage existed are in Orleans' ADO.NET table (<c>OrleansStorage</c>): when this table has
/// no row for a state, it is read from <c>previous</c>, and the state's first write moves it here (the old row is then
/// never read again; clearing a state leaves a row without payload so that the old one is not read back either).
/// </remarks>
public sealed partial class GroupCommitGrainStorage : IGrainStorage, IAsyncDisposable, IDisposable
{
    /// <summary>Most writes one transaction holds.</summary>
    public const int MaxGroupWrites = 4096;

    /// <summary>Most payload bytes one transaction holds (a single larger write still goes alone).</summary>
    public const long MaxGroupBytes = 32L << 20;

    private readonly GroupCommitDatabase _database;
    private readonly string _serviceId;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IGrainStorage? _previous;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>();
    private readonly string _insert;
    private readonly string _update;
    private readonly string _read;
    private readonly Task _writer;
    private long _groups;
    private long _writes;

    /// <param name="database">Where the states are stored.</param>
    /// <param name="serviceId">The service whose states these are (rows of other services are never touched).</param>
    /// <param name="serializer">How states become bytes; the same binary serializer as the rest of the grain state.</param>
    /// <param name="previous">Where states were stored before, read when this storage has none; null for a new deployment.</param>
    /// <param name="logger">Where failed groups are logged.</param>
    public GroupCommitGrainStorage(GroupCommitDatabase database, string serviceId, IGrainStorageSerializer serializer, IGrainStorage? previous, ILogger<GroupCommitGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(logger);
        _database = database;
        _serviceId = serviceId;
        _serializer = serializer;
        _previous = previous;
        _logger = logger;
        const string key = "service_id = @service AND state_name = @state AND grain_id = @grain";
        _insert = $"INSERT INTO {GroupCommitDatabase.Table} (service_id, state_name, grain_id, version, payload, modified_on) VALUES (@service, @state, @grain, 1, @payload, {database.Now}) ON CONFLICT DO NOTHING";
        _update = $"UPDATE {GroupCommitDatabase.Table} SET version = version + 1, payload = @payload, modified_on = {database.Now} WHERE {key} AND version = @version";
        _read = $"SELECT version, payload FROM {GroupCommitDatabase.Table} WHERE {key}";
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Groups taken from the queue so far, each one transaction (committed, failed, or under way).</summary>
    public long Groups => Interlocked.Read(ref _groups);

    /// <summary>Writes (and clears) those groups held.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Writes waiting for the next transaction.</summary>
    public int Queued => _queue.Reader.Count;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var id = grainId.ToString();
        await using (var connection = await _database.OpenAsync(CancellationToken.None))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = _read;
            Add(command.Parameters, command.CreateParameter(), "service", _serviceId);
            Add(command.Parameters, command.CreateParameter(), "state", stateName);
            Add(command.Parameters, command.CreateParameter(), "grain", id);
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                grainState.ETag = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture);
                if (reader.IsDBNull(1))
                {
                    // Cleared: the state is the default one, and the row keeps counting versions.
                    grainState.RecordExists = false;
                }
                else
                {
                    grainState.State = _serializer.Deserialize<T>(new BinaryData((byte[])reader.GetValue(1)));
                    grainState.RecordExists = true;
                }

                return;
            }
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        if (_previous is not null)
        {
            // Not written since this storage took over: the state as the previous storage has it. ETag null, so the
            // first write here inserts the row (and fails if another activation inserted it first).
            var old = new GrainState<T>(grainState.State);
            await _previous.ReadStateAsync(stateName, grainId, old);
            if (old.RecordExists)
            {
                grainState.State = old.State;
                grainState.RecordExists = true;
            }
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var payload = _serializer.Serialize(grainState.State).ToArray();
        grainState.ETag = await EnqueueAsync(stateName, grainId, grainState.ETag, payload);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        grainState.ETag = await EnqueueAsync(stateName, grainId, grainState.ETag, payload: null);
        grainState.RecordExists = false;
    }

    /// <summary>Refuses new writes, and returns once the queued ones are committed (or failed).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    /// <summary>As <see cref="DisposeAsync"/>, for a container disposed synchronously.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writer.GetAwaiter().GetResult();
    }

    private async Task<string> EnqueueAsync(string stateName, GrainId grainId, string? etag, byte[]? payload)
    {
        long? expected = null;
        if (etag is not null)
        {
            expected = long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
                ? version
                : throw new InconsistentStateException($"The ETag '{etag}' of {stateName} of {grainId} is not one this storage issued.", "unknown", etag);
        }

        var write = new PendingWrite(stateName, grainId.ToString(), expected, payload);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new OrleansException($"The write of {stateName} of {grainId} was not stored: the grain storage is shutting down.");
        }

        return (await write.Done.Task).ToString(CultureInfo.InvariantCulture);
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<PendingWrite>();
        DbConnection? connection = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync())
            {
                group.Clear();
                long bytes = 0;
                while (group.Count < MaxGroupWrites && bytes < MaxGroupBytes && _queue.Reader.TryRead(out var write))
                {
                    group.Add(write);
                    bytes += write.Payload?.Length ?? 0;
                }

                // One order for every silo's transactions (rows are locked as they are written), so two groups that
                // share rows (two activations of one grain during a failover) cannot deadlock. Stable: a grain's own
                // writes keep their order.
                var ordered = group.OrderBy(w => w.StateName, StringComparer.Ordinal).ThenBy(w => w.GrainId, StringComparer.Ordinal).ToList();
                Interlocked.Increment(ref _groups);
                Interlocked.Add(ref _writes, ordered.Count);
                var started = TimeProvider.System.GetTimestamp();
                try
                {
                    connection ??= await _database.OpenWriterAsync(CancellationToken.None);
                    var versions = await CommitAsync(connection, ordered);
                    OrleansMlMetrics.RecordStorageGroup(ordered.Count, TimeProvider.System.GetElapsedTime(started));
                    for (var i = 0; i < ordered.Count; i++)
                    {
                        var w = ordered[i];
                        if (versions[i] is { } version)
                        {
                            w.Done.TrySetResult(version);
                        }
                        else
                        {
                            w.Done.TrySetException(new InconsistentStateException(
                                $"The write of {w.StateName} of {w.GrainId} was refused: the stored state is not version {w.ExpectedVersion?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} any more, another activation wrote it. Nothing was changed.",
                                "newer",
                                w.ExpectedVersion?.ToString(CultureInfo.InvariantCulture) ?? string.Empty));
                        }
                    }
                }
                catch (Exception ex)
                {
                    LogGroupFailed(_logger, ex, ordered.Count);
                    if (connection is not null)
                    {
                        // It may be broken; the next group opens a fresh one.
                        await connection.DisposeAsync();
                        connection = null;
                    }

                    foreach (var w in ordered)
                    {
                        w.Done.TrySetException(new OrleansException(
                            $"The write of {w.StateName} of {w.GrainId} was not stored: the transaction it shared with {ordered.Count - 1} other writes failed ({ex.Message}). Nothing of it was changed.",
                            ex));
                    }
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>Runs the group in one transaction: each write's new version, or null where its ETag was stale.</summary>
    private async Task<long?[]> CommitAsync(DbConnection connection, List<PendingWrite> group)
    {
        var versions = new long?[group.Count];
        await using var transaction = await connection.BeginTransactionAsync();
        if (_database.SendsBatches)
        {
            // PostgreSQL: the whole group in one round trip.
            await using var parameters = connection.CreateCommand();
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            foreach (var write in group)
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = write.ExpectedVersion is null ? _insert : _update;
                Bind(command.Parameters, parameters.CreateParameter, write);
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync();
            for (var i = 0; i < group.Count; i++)
            {
                versions[i] = Version(group[i], batch.BatchCommands[i].RecordsAffected);
            }
        }
        else
        {
            // SQLite: statements in process, so one prepared command per kind, bound again for each write.
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = _insert;
            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = _update;
            for (var i = 0; i < group.Count; i++)
            {
                var write = group[i];
                var command = write.ExpectedVersion is null ? insert : update;
                command.Parameters.Clear();
                Bind(command.Parameters, command.CreateParameter, write);
                versions[i] = Version(write, await command.ExecuteNonQueryAsync());
            }
        }

        await transaction.CommitAsync();
        return versions;
    }

    private static long? Version(PendingWrite write, int rows) => rows == 1 ? (write.ExpectedVersion ?? 0) + 1 : null;

    private void Bind(DbParameterCollection parameters, Func<DbParameter> create, PendingWrite write)
    {
        Add(parameters, create(), "service", _serviceId);
        Add(parameters, create(), "state", write.StateName);
        Add(parameters, create(), "grain", write.GrainId);
        Add(parameters, create(), "payload", write.Payload);
        if (write.ExpectedVersion is { } version)
        {
            Add(parameters, create(), "version", version);
        }
    }

    private static void Add(DbParameterCollection parameters, DbParameter parameter, string name, object? value)
    {
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (value is null)
        {
            parameter.DbType = System.Data.DbType.Binary;
        }

        parameters.Add(parameter);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group of {Count} grain-state writes failed; none of them was stored")]
    private static partial void LogGroupFailed(ILogger logger, Exception exception, int count);

    /// <summary>A write waiting for its group: <see cref="Payload"/> null clears the state.</summary>
    private sealed record PendingWrite(string StateName, string GrainId, long? ExpectedVersion, byte[]? Payload)
    {
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
