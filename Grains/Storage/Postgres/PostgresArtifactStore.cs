using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace OrleansMl.Storage.Postgres;

/// <summary>
/// The cluster-mode artifact store: content-addressed (SHA-256, lower-case hex) in PostgreSQL, so a cluster needs
/// nothing but its database. Bytes are stored as rows of at most <see cref="ChunkBytes"/>, written and read one chunk
/// per statement; identical content is stored once. A staged upload stores its chunks as they arrive; committing it
/// reads them back in order to hash them (one chunk in memory at a time) and files them under that hash without
/// copying them (or drops them when the content is already stored). Requires the schema installed by
/// <see cref="PostgresSchema"/>.
/// </summary>
public sealed class PostgresArtifactStore(NpgsqlDataSource dataSource) : IArtifactStore
{
    /// <summary>The largest chunk row; bigger appends are split.</summary>
    public const int ChunkBytes = 1 << 20;

    private static readonly string EmptyHash = Convert.ToHexStringLower(SHA256.HashData([]));

    public Task<UploadReceipt> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        GuardedAsync(() => PutCoreAsync(content, cancellationToken));

    private async Task<UploadReceipt> PutCoreAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var receipt = new UploadReceipt(hash, content.Length);
        if (await ExistsAsync(hash, cancellationToken))
        {
            return receipt;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var blobId = Guid.NewGuid();

        // The artifact row goes first: a concurrent put of the same content waits on it and then stores nothing.
        await using (var claim = new NpgsqlCommand(
            """
            INSERT INTO orleansml_artifacts (hash, blob_id, size, chunk_count) VALUES (@hash, @blob, @size, @chunks)
            ON CONFLICT (hash) DO NOTHING
            """, connection, transaction))
        {
            claim.Parameters.AddWithValue("hash", hash);
            claim.Parameters.AddWithValue("blob", blobId);
            claim.Parameters.AddWithValue("size", (long)content.Length);
            claim.Parameters.AddWithValue("chunks", ChunkCount(content.Length));
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return receipt;
            }
        }

        var seq = 0;
        for (var offset = 0; offset < content.Length; offset += ChunkBytes)
        {
            var piece = content.Slice(offset, Math.Min(ChunkBytes, content.Length - offset));
            await InsertChunkAsync(connection, transaction, blobId, seq++, piece, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return receipt;
    }

    public async Task<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken = default)
    {
        ValidateHash(hash);
        await using var command = dataSource.CreateCommand("SELECT blob_id, size, chunk_count FROM orleansml_artifacts WHERE hash = @hash");
        command.Parameters.AddWithValue("hash", hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new FileNotFoundException($"Artifact {hash} is not in the store.", hash);
        }

        return new PostgresArtifactReadStream(dataSource, hash, reader.GetGuid(0), reader.GetInt64(1), reader.GetInt32(2));
    }

    public Task<long> AppendStagedAsync(Guid uploadId, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default) =>
        GuardedAsync(() => AppendStagedCoreAsync(uploadId, chunk, cancellationToken));

    private async Task<long> AppendStagedCoreAsync(Guid uploadId, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Creates the upload on its first chunk and locks its row either way, so appends to one upload queue up.
        long size;
        int count;
        await using (var open = new NpgsqlCommand(
            """
            INSERT INTO orleansml_uploads (upload_id, size, chunk_count) VALUES (@id, 0, 0)
            ON CONFLICT (upload_id) DO UPDATE SET updated_at = now()
            RETURNING size, chunk_count
            """, connection, transaction))
        {
            open.Parameters.AddWithValue("id", uploadId);
            await using var reader = await open.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            size = reader.GetInt64(0);
            count = reader.GetInt32(1);
        }

        for (var offset = 0; offset < chunk.Length; offset += ChunkBytes)
        {
            var piece = chunk.Slice(offset, Math.Min(ChunkBytes, chunk.Length - offset));
            await InsertChunkAsync(connection, transaction, uploadId, count++, piece, cancellationToken);
            size += piece.Length;
        }

        await using (var save = new NpgsqlCommand(
            "UPDATE orleansml_uploads SET size = @size, chunk_count = @count WHERE upload_id = @id",
            connection, transaction))
        {
            save.Parameters.AddWithValue("id", uploadId);
            save.Parameters.AddWithValue("size", size);
            save.Parameters.AddWithValue("count", count);
            await save.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return size;
    }

    public async Task<UploadReceipt> SealStagedAsync(Guid uploadId, CancellationToken cancellationToken = default)
    {
        var (size, count) = await StagedAsync(uploadId, cancellationToken);
        if (count == 0)
        {
            return new UploadReceipt(EmptyHash, 0);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return new UploadReceipt(await HashChunksAsync(connection, null, uploadId, cancellationToken), size);
    }

    public async Task<Stream> OpenStagedAsync(Guid uploadId, CancellationToken cancellationToken = default)
    {
        var (size, count) = await StagedAsync(uploadId, cancellationToken);
        return new PostgresArtifactReadStream(dataSource, $"upload {uploadId}", uploadId, size, count);
    }

    public Task CommitStagedAsync(Guid uploadId, UploadReceipt sealedAs, CancellationToken cancellationToken = default) =>
        GuardedAsync(async () =>
        {
            ArgumentNullException.ThrowIfNull(sealedAs);
            ValidateHash(sealedAs.ContentHash);
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            // Removing the upload row takes it out of reach of appends and tells what was staged.
            var count = 0;
            var blobId = Guid.NewGuid();
            await using (var close = new NpgsqlCommand(
                "DELETE FROM orleansml_uploads WHERE upload_id = @id RETURNING chunk_count", connection, transaction))
            {
                close.Parameters.AddWithValue("id", uploadId);
                await using var reader = await close.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    count = reader.GetInt32(0);
                    blobId = uploadId;
                }

                // No row: nothing was ever appended, which is an upload of zero bytes (its blob has no chunks).
            }

            // The staged chunks become the artifact's by recording their blob id; when the content is already stored
            // they are dropped instead. A release of the same content in progress holds the row: this waits for it.
            await using (var publish = new NpgsqlCommand(
                """
                INSERT INTO orleansml_artifacts (hash, blob_id, size, chunk_count) VALUES (@hash, @blob, @size, @chunks)
                ON CONFLICT (hash) DO NOTHING
                """, connection, transaction))
            {
                publish.Parameters.AddWithValue("hash", sealedAs.ContentHash);
                publish.Parameters.AddWithValue("blob", blobId);
                publish.Parameters.AddWithValue("size", sealedAs.SizeBytes);
                publish.Parameters.AddWithValue("chunks", count);
                if (await publish.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    await DeleteChunksAsync(connection, transaction, blobId, cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
            return true;
        });

    public async Task DeleteStagedAsync(Guid uploadId, CancellationToken cancellationToken = default)
    {
        // Only while the upload is staged: after a commit the same id names the artifact's chunks, which must stay.
        await using var command = dataSource.CreateCommand(
            """
            WITH upload AS (DELETE FROM orleansml_uploads WHERE upload_id = @id RETURNING upload_id)
            DELETE FROM orleansml_blob_chunks WHERE blob_id IN (SELECT upload_id FROM upload)
            """);
        command.Parameters.AddWithValue("id", uploadId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task AddReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default)
    {
        ValidateHash(hash);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO orleansml_artifact_refs (hash, owner) VALUES (@hash, @owner)
            ON CONFLICT (hash, owner) DO UPDATE SET updated_at = now()
            """);
        command.Parameters.AddWithValue("hash", hash);
        command.Parameters.AddWithValue("owner", owner);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ConfirmReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default)
    {
        ValidateHash(hash);
        await using var command = dataSource.CreateCommand(
            "UPDATE orleansml_artifact_refs SET confirmed = true, updated_at = now() WHERE hash = @hash AND owner = @owner");
        command.Parameters.AddWithValue("hash", hash);
        command.Parameters.AddWithValue("owner", owner);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new InvalidOperationException($"There is no reference of {owner} to artifact {hash} to confirm.");
        }
    }

    public async Task<bool> ReleaseReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default)
    {
        ValidateHash(hash);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var release = new NpgsqlCommand("DELETE FROM orleansml_artifact_refs WHERE hash = @hash AND owner = @owner", connection, transaction))
        {
            release.Parameters.AddWithValue("hash", hash);
            release.Parameters.AddWithValue("owner", owner);
            if (await release.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        var deleted = await DeleteIfUnreferencedAsync(connection, transaction, hash, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    public async Task<IReadOnlyList<ArtifactReference>> GetUnconfirmedReferencesAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT hash, owner, updated_at FROM orleansml_artifact_refs WHERE NOT confirmed AND updated_at < now() - @age ORDER BY updated_at LIMIT 10000");
        command.Parameters.AddWithValue("age", olderThan);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<ArtifactReference>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new ArtifactReference(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return found;
    }

    /// <summary>
    /// Abandoned uploads; content is deleted with its last reference in one transaction, so nothing released is left.
    /// </summary>
    public Task<int> SweepAsync(TimeSpan idleFor, CancellationToken cancellationToken = default) =>
        DeleteAbandonedUploadsAsync(idleFor, cancellationToken);

    public async Task<ArtifactStoreUsage> GetUsageAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT count(*)::integer FROM orleansml_artifacts), (SELECT coalesce(sum(size), 0)::bigint FROM orleansml_artifacts),
                   (SELECT count(*)::integer FROM orleansml_uploads), (SELECT coalesce(sum(size), 0)::bigint FROM orleansml_uploads),
                   (SELECT count(*)::integer FROM orleansml_artifact_refs)
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ArtifactStoreUsage(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt32(4));
    }

    /// <summary>Bytes in chunk rows, whoever holds them (artifacts, staged uploads, or nobody): what the store costs.</summary>
    public async Task<long> GetChunkBytesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(sum(octet_length(data)), 0)::bigint FROM orleansml_blob_chunks");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Deletes staged uploads that received no chunk for <paramref name="idleFor"/> (a client that went away mid-upload);
    /// returns how many were removed.
    /// </summary>
    public async Task<int> DeleteAbandonedUploadsAsync(TimeSpan idleFor, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH abandoned AS (DELETE FROM orleansml_uploads WHERE updated_at < now() - @idle RETURNING upload_id),
                 chunks AS (DELETE FROM orleansml_blob_chunks WHERE blob_id IN (SELECT upload_id FROM abandoned))
            SELECT count(*)::integer FROM abandoned
            """);
        command.Parameters.AddWithValue("idle", idleFor);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Whether the content is stored. It locks the row for an instant (a no-op update), so a release of the same content
    /// in progress is waited for: the answer is never "stored" for content that is about to be deleted.
    /// </summary>
    private async Task<bool> ExistsAsync(string hash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE orleansml_artifacts SET size = size WHERE hash = @hash");
        command.Parameters.AddWithValue("hash", hash);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<(long Size, int Count)> StagedAsync(Guid uploadId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT size, chunk_count FROM orleansml_uploads WHERE upload_id = @id");
        command.Parameters.AddWithValue("id", uploadId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt32(1)) : (0, 0);
    }

    /// <summary>Deletes the content when no reference is left, holding its row so a concurrent store of it waits.</summary>
    private static async Task<bool> DeleteIfUnreferencedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string hash, CancellationToken cancellationToken)
    {
        await using (var hold = new NpgsqlCommand("SELECT 1 FROM orleansml_artifacts WHERE hash = @hash FOR UPDATE", connection, transaction))
        {
            hold.Parameters.AddWithValue("hash", hash);
            if (await hold.ExecuteScalarAsync(cancellationToken) is null)
            {
                return false;
            }
        }

        Guid? blobId = null;
        await using (var delete = new NpgsqlCommand(
            """
            DELETE FROM orleansml_artifacts
            WHERE hash = @hash AND NOT EXISTS (SELECT 1 FROM orleansml_artifact_refs WHERE hash = @hash)
            RETURNING blob_id
            """, connection, transaction))
        {
            delete.Parameters.AddWithValue("hash", hash);
            if (await delete.ExecuteScalarAsync(cancellationToken) is Guid id)
            {
                blobId = id;
            }
        }

        if (blobId is not { } blob)
        {
            return false;
        }

        await DeleteChunksAsync(connection, transaction, blob, cancellationToken);
        return true;
    }

    /// <summary>PostgreSQL's "disk full" (and other out-of-resources errors) is the caller's 507, with nothing stored.</summary>
    private static async Task<T> GuardedAsync<T>(Func<Task<T>> write)
    {
        try
        {
            return await write();
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DiskFull or PostgresErrorCodes.InsufficientResources or PostgresErrorCodes.OutOfMemory)
        {
            throw new InsufficientStorageException(
                $"The database refused to store more data ({ex.SqlState}: {ex.MessageText}). Nothing was stored. "
                + "Delete dataset or model versions that are no longer needed, or give the database more disk, then try again.");
        }
    }

    /// <summary>Hashes a blob by streaming its chunks in order, one row (at most 1 MB) in memory at a time.</summary>
    private static async Task<string> HashChunksAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid blobId, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var read = new NpgsqlCommand("SELECT data FROM orleansml_blob_chunks WHERE blob_id = @blob ORDER BY seq", connection, transaction);
        read.Parameters.AddWithValue("blob", blobId);
        await using var reader = await read.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sha.AppendData(await reader.GetFieldValueAsync<byte[]>(0, cancellationToken));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static async Task InsertChunkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid blobId, int seq, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO orleansml_blob_chunks (blob_id, seq, data) VALUES (@blob, @seq, @data)", connection, transaction);
        command.Parameters.AddWithValue("blob", blobId);
        command.Parameters.AddWithValue("seq", seq);
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("data", NpgsqlDbType.Bytea) { TypedValue = data });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task DeleteChunksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid blobId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("DELETE FROM orleansml_blob_chunks WHERE blob_id = @blob", connection, transaction);
        command.Parameters.AddWithValue("blob", blobId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static int ChunkCount(long size) => (int)((size + ChunkBytes - 1) / ChunkBytes);

    private static void ValidateHash(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{hash}' is not a SHA-256 content address.", nameof(hash));
        }
    }
}
